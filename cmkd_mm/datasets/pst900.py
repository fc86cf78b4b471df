"""PST900 RGB-thermal subterranean segmentation (Shivakumar et al., ICRA 2020)."""
import os
import os.path as osp
from typing import Dict, List, Optional

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .mfnet import read_subsets
from .sample_lists import read_name_list, require_samples


@DATASETS.register_module()
class PST900Dataset(BaseSegDataset):
    """PST900 in its released layout::

        data_root/{train,test}/rgb/<name>.png       # 1280x720x3 uint8
        data_root/{train,test}/thermal/<name>.png   # 1280x720 uint8 (8-bit AGC thermal)
        data_root/{train,test}/labels/<name>.png    # 1280x720 uint8 class ids 0-4
        data_root/{train,test}/{thermal_raw,depth}/  # uint16, not used by default
        data_root/{train,test}.txt                  # optional, one <name> per line

    The same ``<name>`` (e.g. ``31_bag1a_rect_rgb_frame0000000007``) is used in every folder of a
    split. Samples are the names in ``ann_file`` when one is given, else every ``*.png`` in
    ``<split>/rgb/`` (sorted). PST900 has no validation split; validate on ``test``. Each sample
    gives ``modality_paths`` (``rgb`` and ``thermal`` by default) for ``LoadModalities``. Class 0
    (background) is a real class, as in the PST900 evaluation. The palette is for display only.
    With ``subsets``, each sample listed by a subset file gets ``subset=<name>``, which
    ``SegIoUMetric`` reports separately (a missing file is skipped; a name in two files raises).

    Args:
        split (str): Split folder, ``'train'`` or ``'test'``.
        ann_file (str): Optional split file (relative to ``data_root``) listing the names.
            Default ``''``: list ``<split>/rgb/``.
        label_dir (str): Label folder inside the split folder.
        modalities (dict, optional): ``name -> folder`` inside the split folder. Default
            ``dict(rgb='rgb', thermal='thermal')``.
        subsets (dict, optional): ``subset name -> split file`` (relative to ``data_root``)
            listing sample names. Default None: no subsets.
        **kwargs: ``BaseSegDataset`` arguments.
    """

    METAINFO = dict(
        classes=('background', 'fire_extinguisher', 'backpack', 'hand_drill', 'survivor'),
        palette=[[0, 0, 0], [220, 20, 60], [0, 128, 255], [255, 200, 0], [0, 200, 0]])

    def __init__(self,
                 split: str = 'train',
                 ann_file: str = '',
                 label_dir: str = 'labels',
                 modalities: Optional[Dict[str, str]] = None,
                 subsets: Optional[Dict[str, str]] = None,
                 **kwargs) -> None:
        self.split = split
        self.subsets = dict(subsets or {})
        self.label_dir = label_dir
        self.modality_dirs = dict(modalities or dict(rgb='rgb', thermal='thermal'))
        super().__init__(
            ann_file=ann_file,
            img_suffix='.png',
            seg_map_suffix='.png',
            reduce_zero_label=False,
            **kwargs)

    def _names(self, split_dir: str) -> List[str]:
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise FileNotFoundError(f'{self.ann_file}: split file not found. Give an '
                                        f'existing ann_file or ann_file="" to list the folder.')
            return read_name_list(self.ann_file)
        first = next(iter(self.modality_dirs.values()))
        folder = osp.join(split_dir, first)
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{folder}: folder not found; PST900 expects '
                                    f'<data_root>/{self.split}/{{rgb,thermal,labels}}/. Check '
                                    f'data_root and split.')
        names = sorted(f[:-len(self.img_suffix)] for f in os.listdir(folder)
                       if f.endswith(self.img_suffix))
        return list(require_samples(names, folder, f'put the {self.split} images there'))

    def load_data_list(self) -> List[dict]:
        split_dir = osp.join(self.data_root or '', self.split)
        names = [
            n[:-len(self.img_suffix)] if n.endswith(self.img_suffix) else n
            for n in self._names(split_dir)
        ]
        subset_of = read_subsets(self.data_root or '', self.subsets, self.img_suffix)
        data_list, missing = [], []
        for name in names:
            paths = {
                m: osp.join(split_dir, d, name + self.img_suffix)
                for m, d in self.modality_dirs.items()
            }
            seg = osp.join(split_dir, self.label_dir, name + self.seg_map_suffix)
            missing += [p for p in list(paths.values()) + [seg] if not osp.isfile(p)]
            info = dict(
                img_path=paths[next(iter(paths))],
                seg_map_path=seg,
                modality_paths=paths,
                label_map=self.label_map,
                reduce_zero_label=False,
                seg_fields=[],
                sample_name=name)
            if name in subset_of:
                info['subset'] = subset_of[name]
            data_list.append(info)
        if not data_list:
            raise ValueError(f'{split_dir}: no samples found for split "{self.split}".')
        if missing:
            raise FileNotFoundError(
                f'PST900 split "{self.split}": {len(missing)} file(s) are missing, e.g. '
                f'{missing[:3]}. Fix data_root/split or remove those samples.')
        return data_list
