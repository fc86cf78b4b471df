"""Seeing Through Fog (DENSE, Bijelic et al., CVPR 2020) as an mmdet dataset."""
import os.path as osp
from typing import Dict, List, Optional

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS

from .sample_lists import require_samples

# The official layout, the 10-bit gated slices of the Gated2Depth release.
STF_MODALITY_DIRS = dict(
    rgb='cam_stereo_left_lut', gated0='gated0_10bit', gated1='gated1_10bit', gated2='gated2_10bit')


@DATASETS.register_module()
class STFDataset(CocoDataset):
    """Seeing Through Fog frames with every sensor as a named modality.

    Annotations come from the COCO json that ``tools/dataset_converters/stf_to_coco.py`` writes
    (one per split; weather and illumination subsets are chosen by the split files given to the
    converter). Each image entry carries its ``sample`` name (``<recording>_<frame>``); the
    modality files are ``data_root/<modality_dirs[name]>/<sample><suffix>``. The json's
    ``width``/``height`` and boxes are in the pixel frame of the camera the labels were drawn in
    (``gated_labels_TMP``: the 1280x720 gated camera; ``cam_left_labels_TMP``: the 1920x1024 RGB
    camera); the pipeline loads that camera as the reference modality and registers the others
    onto it (``RegisterModalities``). ``DontCare`` regions are ``iscrowd`` boxes: ignored in
    training and in COCO evaluation.

    Every modality file of every frame is checked when the dataset is built, so a gated slice
    missing for an RGB frame is reported at once, by name, not in the middle of an epoch.

    Args:
        modality_dirs (dict): ``modality -> folder`` under ``data_root``. Default: the official
            layout (``cam_stereo_left_lut``, ``gated{0,1,2}_10bit``). The night subset
            packaged with the original CMKD detector code uses ``dict(rgb='images', gated0='gated0',
            gated1='gated1', gated2='gated2')``.
        suffix (str | dict): File extension, or ``modality -> extension``.
        check_files (bool): Check that every modality file exists when building.
        **kwargs: ``CocoDataset`` arguments (``ann_file``, ``data_root``, ``metainfo``,
            ``pipeline``, ``filter_cfg``, ``test_mode``...).
    """

    METAINFO = dict(classes=('pedestrian', ), palette=[(220, 20, 60)])

    def __init__(self,
                 *args,
                 modality_dirs: Optional[Dict[str, str]] = None,
                 suffix='.png',
                 check_files: bool = True,
                 **kwargs) -> None:
        self.modality_dirs = dict(modality_dirs or STF_MODALITY_DIRS)
        self.suffixes = {
            m: (suffix[m] if isinstance(suffix, dict) else suffix)
            for m in self.modality_dirs
        }
        self.check_files = check_files
        kwargs.setdefault('data_prefix', dict(img=''))
        super().__init__(*args, **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        data_info = super().parse_data_info(raw_data_info)
        img_info = raw_data_info['raw_img_info']
        sample = img_info.get('sample') or osp.splitext(osp.basename(img_info['file_name']))[0]
        root = self.data_root or ''
        data_info['sample'] = sample
        data_info['modality_paths'] = {
            m: osp.join(root, d, sample + self.suffixes[m])
            for m, d in self.modality_dirs.items()
        }
        return data_info

    def load_data_list(self) -> List[dict]:
        data_list = require_samples(
            super().load_data_list(), self.ann_file,
            'convert the split again with stf_to_coco.py (its summary counts the skipped frames)')
        if self.check_files:
            missing = [(info['sample'], m, p) for info in data_list
                       for m, p in info['modality_paths'].items() if not osp.isfile(p)]
            if missing:
                sample, name, path = missing[0]
                raise FileNotFoundError(
                    f'{self.ann_file}: {len(missing)} modality file(s) missing, first: {path} '
                    f'("{name}" of frame {sample}). Check data_root and modality_dirs, or '
                    'rebuild the annotations with stf_to_coco.py --on-missing skip to leave '
                    'such frames out.')
        return data_list
