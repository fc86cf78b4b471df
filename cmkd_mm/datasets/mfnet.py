"""MFNet RGB-thermal semantic segmentation (Ha et al., IROS 2017)."""
import os.path as osp
from typing import Dict, List, Optional

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .sample_lists import read_name_list


def read_subsets(root: str, subsets: Optional[Dict[str, str]], suffix: str = '') -> Dict[str, str]:
    """Map each sample name listed by a subset file to the subset's name.

    Args:
        root (str): Folder the subset files are relative to (``data_root``).
        subsets (dict, optional): ``subset name -> split file``, e.g.
            ``dict(day='test_day.txt', night='test_night.txt')``. A missing file is skipped.
        suffix (str): Extension stripped from the listed names (e.g. ``'.png'``).

    Returns:
        dict[str, str]: ``sample name -> subset name``.

    Raises:
        ValueError: A name is listed by the files of two subsets.
    """
    owner: Dict[str, str] = {}
    source: Dict[str, str] = {}
    for subset, split_file in (subsets or {}).items():
        path = osp.join(root, split_file)
        if not osp.isfile(path):
            continue
        for name in read_name_list(path, suffix, allow_empty=True):
            if owner.get(name, subset) != subset:
                raise ValueError(f'{name} is listed in {source[name]} (subset "{owner[name]}") '
                                 f'and in {path} (subset "{subset}"); a sample belongs to one '
                                 f'subset only. Remove it from one of the two files.')
            owner[name], source[name] = subset, path
    return owner


@DATASETS.register_module()
class MFNetDataset(BaseSegDataset):
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

    Args:
        ann_file (str): Split file (relative to ``data_root``), e.g. ``'train.txt'``.
        img_dir (str): Folder of the RGBA images.
        label_dir (str): Folder of the label maps.
        modalities (dict): ``name -> folder`` of each modality file (default: both in images/).
        edge_dir (str, optional): Folder of precomputed edge labels, used when it exists;
            ``None`` never uses one.
        subsets (dict, optional): ``subset name -> split file`` (relative to ``data_root``).
            Default ``dict(day='test_day.txt', night='test_night.txt')``; ``None`` tags no
            sample.
        **kwargs: ``BaseSegDataset`` arguments.
    """

    METAINFO = dict(
        classes=('unlabeled', 'car', 'person', 'bike', 'curve', 'car_stop', 'guardrail',
                 'color_cone', 'bump'),
        palette=[[0, 0, 0], [64, 0, 128], [64, 64, 0], [0, 128, 192], [0, 0, 192], [128, 128, 0],
                 [64, 64, 128], [192, 128, 128], [192, 64, 0]])

    def __init__(self,
                 ann_file: str = 'train.txt',
                 img_dir: str = 'images',
                 label_dir: str = 'labels',
                 modalities: Dict[str, str] = None,
                 edge_dir: Optional[str] = 'edge_4x',
                 subsets: Optional[Dict[str,
                                        str]] = dict(day='test_day.txt', night='test_night.txt'),
                 **kwargs) -> None:
        self.img_dir = img_dir
        self.subsets = dict(subsets or {})
        self.edge_dir = edge_dir
        self.label_dir = label_dir
        self.modality_dirs = dict(modalities or dict(rgb=img_dir, thermal=img_dir))
        super().__init__(
            ann_file=ann_file,
            img_suffix='.png',
            seg_map_suffix='.png',
            reduce_zero_label=False,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{self.ann_file}: split file not found; MFNet expects '
                                    f'train.txt/val.txt/test.txt in {self.data_root}')
        names = read_name_list(self.ann_file)
        root = self.data_root or ''
        has_edges = bool(self.edge_dir) and osp.isdir(osp.join(root, self.edge_dir))
        subset_of = read_subsets(root, self.subsets)
        data_list, missing = [], []
        for name in names:
            paths = {
                m: osp.join(root, d, name + self.img_suffix)
                for m, d in self.modality_dirs.items()
            }
            seg = osp.join(root, self.label_dir, name + self.seg_map_suffix)
            edge = [osp.join(root, self.edge_dir, name + '.png')] if has_edges else []
            for p in list(dict.fromkeys(paths.values())) + [seg] + edge:
                if not osp.isfile(p):
                    missing.append(p)
            info = dict(
                img_path=paths[next(iter(paths))],
                seg_map_path=seg,
                modality_paths=paths,
                label_map=self.label_map,
                reduce_zero_label=False,
                seg_fields=[],
                sample_name=name)
            if has_edges:
                info['edge_map_path'] = edge[0]
            if name in subset_of:
                info['subset'] = subset_of[name]
            data_list.append(info)
        if missing:
            raise FileNotFoundError(
                f'{self.ann_file}: {len(missing)} file(s) listed by this split are missing, e.g. '
                f'{missing[:3]}. Fix data_root or remove those names from the split file.')
        return data_list
