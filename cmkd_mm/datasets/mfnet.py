"""MFNet RGB-thermal semantic segmentation (Ha et al., IROS 2017)."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmseg.registry import DATASETS

from .multimodal_seg import MissingFile, MultiModalSegDataset


@DATASETS.register_module()
class MFNetDataset(MultiModalSegDataset):
    """MFNet in its released layout::

        data_root/images/<name>.png   # 640x480 RGBA uint8: R, G, B, thermal
        data_root/labels/<name>.png   # 640x480 uint8 class ids 0-8
        data_root/{train,val,test,test_day,test_night}.txt   # one <name> per line
        data_root/edge_4x/<name>.png  # optional (CEKD): binary edge labels at 1/4 resolution

    Each sample gives ``modality_paths``; by default ``rgb`` and ``thermal`` both point at the RGBA
    file and ``LoadModalities`` takes channels 0-2 and 3 of it. Class 0 ("unlabeled") is a real
    class here, as in MFNet/RTFNet/CEKD evaluation (set ``ignore_index`` of the metric to 0 to
    exclude it). When ``data_root/<edge_dir>/`` exists, each sample also gives
    ``edge_map_path`` (read by ``GenerateEdgeLabels``) and every edge file must exist.

    Each sample listed by a subset file gets ``subset=<name>`` (by default ``'day'`` for the names
    in ``test_day.txt`` and ``'night'`` for those in ``test_night.txt``); ``PackMultiModalInputs``
    puts it in the data sample and ``SegIoUMetric`` reports every subset separately. A subset
    file that does not exist is skipped; a name listed in two subset files raises a ValueError.

    A preset of :class:`MultiModalSegDataset` (the MFNet folders, classes and split files); the
    names in the split files are used as they are.

    Args:
        ann_file (str): Split file (relative to ``data_root``), e.g. ``'train.txt'``.
        img_dir (str): Folder of the RGBA images.
        label_dir (str): Folder of the label maps.
        modalities (dict): ``name -> folder`` of each modality file (default: both in images/).
        modality_dirs (dict, optional): The same as ``modalities``, under the name the generic
            datasets use; give one of the two.
        edge_dir (str, optional): Folder of precomputed edge labels, used when it exists;
            ``None`` never uses one.
        subsets (dict, optional): ``subset name -> split file`` (relative to ``data_root``).
            Default ``dict(day='test_day.txt', night='test_night.txt')``; ``None`` tags no
            sample.
        **kwargs: ``BaseSegDataset`` arguments (``data_root``, ``metainfo``, ``pipeline``...).
    """

    METAINFO = dict(
        classes=('unlabeled', 'car', 'person', 'bike', 'curve', 'car_stop', 'guardrail',
                 'color_cone', 'bump'),
        palette=[[0, 0, 0], [64, 0, 128], [64, 64, 0], [0, 128, 192], [0, 0, 192], [128, 128, 0],
                 [64, 64, 128], [192, 128, 128], [192, 64, 0]])

    strip_listed_suffix = False

    def __init__(self,
                 ann_file: str = 'train.txt',
                 img_dir: str = 'images',
                 label_dir: str = 'labels',
                 modalities: Dict[str, str] = None,
                 edge_dir: Optional[str] = 'edge_4x',
                 subsets: Optional[Dict[str,
                                        str]] = dict(day='test_day.txt', night='test_night.txt'),
                 modality_dirs: Optional[Dict[str, str]] = None,
                 **kwargs) -> None:
        if modalities and modality_dirs:
            raise TypeError('give modalities or modality_dirs (the same: name -> folder), '
                            'not both')
        self.img_dir = img_dir
        self.label_dir = label_dir
        super().__init__(
            modality_dirs=dict(modalities or modality_dirs or dict(rgb=img_dir, thermal=img_dir)),
            seg_map_dir=label_dir,
            ann_file=ann_file,
            suffix='.png',
            seg_map_suffix='.png',
            reduce_zero_label=False,
            edge_dir=edge_dir,
            subsets=subsets,
            **kwargs)

    def _sample_names(self) -> List[str]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{self.ann_file}: split file not found; MFNet expects '
                                    f'train.txt/val.txt/test.txt in {self.data_root}')
        return super()._sample_names()

    def _uses_edges(self) -> bool:
        return bool(self.edge_dir) and osp.isdir(osp.join(self.data_root or '', self.edge_dir))

    def _missing_files_error(self, missing: Sequence[MissingFile]) -> Exception:
        paths = [path for _, path, _, _ in missing]
        return FileNotFoundError(
            f'{self.ann_file}: {len(paths)} file(s) listed by this split are missing, e.g. '
            f'{paths[:3]}. Fix data_root or remove those names from the split file.')
