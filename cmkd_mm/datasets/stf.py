"""Seeing Through Fog (DENSE, Bijelic et al., CVPR 2020) as an mmdet dataset."""
import os.path as osp
from typing import Dict, List, Optional

from mmdet.registry import DATASETS

from .modality_files import NameRule
from .multimodal_coco import MultiModalCocoDataset

# The official layout, the 10-bit gated slices of the Gated2Depth release.
STF_MODALITY_DIRS = dict(
    rgb='cam_stereo_left_lut', gated0='gated0_10bit', gated1='gated1_10bit', gated2='gated2_10bit')


@DATASETS.register_module()
class STFDataset(MultiModalCocoDataset):
    """Seeing Through Fog frames with every sensor as a named modality.

    A preset of :class:`MultiModalCocoDataset`: the official folders, ``.png`` files and the
    ``pedestrian`` class. Annotations come from the COCO json that
    ``tools/dataset_converters/stf_to_coco.py`` writes (one per split; weather and illumination
    subsets are chosen by the split files given to the converter). Each image entry carries its
    ``sample`` name (``<recording>_<frame>``); the modality files are
    ``data_root/<modality_dirs[name]>/<sample><suffix>``. The json's ``width``/``height`` and boxes
    are in the pixel frame of the camera the labels were drawn in (``gated_labels_TMP``: the
    1280x720 gated camera; ``cam_left_labels_TMP``: the 1920x1024 RGB camera), whose file the
    entry's ``file_name`` names and ``img_path`` keeps; the pipeline loads that camera as the
    reference modality and registers the others onto it (``RegisterModalities``). ``DontCare``
    regions are ``iscrowd`` boxes: ignored in training and in COCO evaluation.

    Every modality file of every frame is checked when the dataset is built, so a gated slice
    missing for an RGB frame is reported at once, by name, not in the middle of an epoch.

    Args:
        modality_dirs (dict): ``modality -> folder`` under ``data_root``. Default: the official
            layout (``cam_stereo_left_lut``, ``gated{0,1,2}_10bit``). The night subset
            packaged with the original CMKD detector code uses ``dict(rgb='images', gated0='gated0',
            gated1='gated1', gated2='gated2')``.
        suffix (str | dict): File extension, or ``modality -> extension``. Defaults to ``'.png'``.
        check_files (bool): Check that every modality file exists when building.
        **kwargs: :class:`MultiModalCocoDataset` and ``CocoDataset`` arguments (``ann_file``,
            ``data_root``, ``metainfo``, ``pattern``, ``pipeline``, ``filter_cfg``,
            ``test_mode``...).
    """

    METAINFO = dict(classes=('pedestrian', ), palette=[(220, 20, 60)])
    empty_hint = ('convert the split again with stf_to_coco.py (its summary counts the skipped '
                  'frames)')

    def __init__(self,
                 *args,
                 modality_dirs: Optional[Dict[str, str]] = None,
                 suffix: NameRule = '.png',
                 check_files: bool = True,
                 **kwargs) -> None:
        super().__init__(
            *args,
            modality_dirs=dict(modality_dirs or STF_MODALITY_DIRS),
            suffix=suffix,
            check_files=check_files,
            **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        data_info = super().parse_data_info(raw_data_info)
        # The labelled camera's frame, as the json's file_name names it.
        data_info['img_path'] = osp.join(self.data_prefix['img'],
                                         raw_data_info['raw_img_info']['file_name'])
        return data_info

    def check_modality_files(self, data_list: List[dict]) -> None:
        missing = [(info['sample'], m, p) for info in data_list
                   for m, p in info['modality_paths'].items() if not osp.isfile(p)]
        if missing:
            sample, name, path = missing[0]
            raise FileNotFoundError(
                f'{self.ann_file}: {len(missing)} modality file(s) missing, first: {path} '
                f'("{name}" of frame {sample}). Check data_root and modality_dirs, or '
                'rebuild the annotations with stf_to_coco.py --on-missing skip to leave '
                'such frames out.')
