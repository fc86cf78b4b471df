"""PST900 RGB-thermal subterranean segmentation (Shivakumar et al., ICRA 2020)."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmseg.registry import DATASETS

from .multimodal_seg import MissingFile, MultiModalSegDataset


@DATASETS.register_module()
class PST900Dataset(MultiModalSegDataset):
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

    A preset of :class:`MultiModalSegDataset` whose folders lie in the split folder.

    Args:
        split (str): Split folder, ``'train'`` or ``'test'``.
        ann_file (str): Optional split file (relative to ``data_root``) listing the names.
            Default ``''``: list ``<split>/rgb/``.
        label_dir (str): Label folder inside the split folder.
        modalities (dict, optional): ``name -> folder`` inside the split folder. Default
            ``dict(rgb='rgb', thermal='thermal')``.
        modality_dirs (dict, optional): The same as ``modalities``, under the name the generic
            datasets use; give one of the two.
        subsets (dict, optional): ``subset name -> split file`` (relative to ``data_root``)
            listing sample names. Default None: no subsets.
        **kwargs: ``BaseSegDataset`` arguments (``data_root``, ``metainfo``, ``pipeline``...).
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
                 modality_dirs: Optional[Dict[str, str]] = None,
                 **kwargs) -> None:
        if modalities and modality_dirs:
            raise TypeError('give modalities or modality_dirs (the same: name -> folder inside '
                            'the split folder), not both')
        self.split = split
        self.label_dir = label_dir
        dirs = dict(modalities or modality_dirs or dict(rgb='rgb', thermal='thermal'))
        super().__init__(
            modality_dirs={
                m: osp.join(split, d)
                for m, d in dirs.items()
            },
            seg_map_dir=osp.join(split, label_dir),
            ann_file=ann_file,
            suffix='.png',
            seg_map_suffix='.png',
            reduce_zero_label=False,
            subsets=subsets,
            **kwargs)

    def _sample_names(self) -> List[str]:
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise FileNotFoundError(f'{self.ann_file}: split file not found. Give an '
                                        f'existing ann_file or ann_file="" to list the folder.')
            return super()._sample_names()
        folder = self.files.folder(self.files.modalities[0])
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{folder}: folder not found; PST900 expects '
                                    f'<data_root>/{self.split}/{{rgb,thermal,labels}}/. Check '
                                    f'data_root and split.')
        return super()._sample_names()

    def _empty_folder_hint(self) -> str:
        return f'put the {self.split} images there'

    def _missing_files_error(self, missing: Sequence[MissingFile]) -> Exception:
        paths = [path for _, path, _, _ in missing]
        return FileNotFoundError(
            f'PST900 split "{self.split}": {len(paths)} file(s) are missing, e.g. '
            f'{paths[:3]}. Fix data_root/split or remove those samples.')
