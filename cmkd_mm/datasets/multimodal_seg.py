"""Semantic segmentation of any set of modalities: one image folder per modality, one label
folder, as mmseg's ``BaseSegDataset`` reads one image folder and one label folder."""
import copy
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .modality_files import ModalityFiles, NameRule, missing_partner_error
from .sample_lists import read_name_list, require_samples


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


#: ``(sample name, missing path, a file of that sample on disk or None, what it is)``; what it
#: is: ``'modality'``, ``'label'`` or ``'edge'``.
MissingFile = Tuple[str, str, Optional[str], str]


@DATASETS.register_module()
class MultiModalSegDataset(BaseSegDataset):
    """Semantic segmentation of several co-registered modalities, in plain folders::

        data_root/
        ├── rgb/<name>.png          # one folder per modality (modality_dirs)
        ├── depth/<name>.png        # e.g. 16-bit depth; LoadModalities decodes it
        ├── labels/<name>.png       # class ids, 8- or 16-bit (seg_map_dir, seg_map_suffix)
        ├── train.txt               # optional split files, one <name> per line (ann_file)
        └── val.txt

    The samples are the names of ``ann_file`` (in file order; a name may carry the first
    modality's suffix, which is dropped), or without it every file of the first modality's folder
    that follows its file-name rule (sorted by name). The file of each modality comes from its
    folder and file-name rule (:class:`ModalityFiles`): a suffix (``'.png'``: ``<name>.png``) or
    a pattern (``'{}_depth.png'``: ``<name>_depth.png``). A folder may hold a split sub-folder
    (``modality_dirs=dict(rgb='rgb/train', ...)``, as mmseg's ``img_dir/train``), and several
    modalities may share one file (MFNet's RGBA PNG: ``LoadModalities`` picks the channels).

    The dataset only lists files; ``LoadModalities`` decodes them at any bit depth (8-bit RGB,
    16-bit depth or thermal: give its ``bit_depth``) and ``LoadSegLabels`` reads the label maps.
    Every file of every sample is checked when the dataset is built: a missing modality file is
    an error naming it and its partner, a missing label map names the map and its image, a split
    file naming no file or an empty folder is an error naming it.

    Each data info holds ``img_path`` (the first modality's file), ``seg_map_path``,
    ``modality_paths`` (``{name: path}`` in ``modality_dirs`` order), ``label_map``,
    ``reduce_zero_label``, ``seg_fields``, ``sample_name``, and where configured
    ``edge_map_path`` (read by ``GenerateEdgeLabels``) and ``subset`` (reported separately by
    ``SegIoUMetric``).

    ``metainfo`` gives the classes (required: class id ``i`` is ``classes[i]``) and optionally a
    palette (one ``[r, g, b]`` per class; mmseg makes a fixed one when it is left out).

    Examples of layouts it serves: RGB + depth or RGB + thermal pairs exported to folders, the
    MFNet layout (:class:`MFNetDataset`) and the PST900 layout (:class:`PST900Dataset`).

    Args:
        modality_dirs (dict): ``modality name -> folder`` (relative to ``data_root``), e.g.
            ``dict(rgb='rgb', depth='depth')``. The first is the reference (``img_path``).
        seg_map_dir (str): Folder of the label maps. Defaults to ``'labels'``.
        ann_file (str): Split file (relative to ``data_root``), one sample name per line.
            Defaults to ``''``: every file of the first modality's folder.
        suffix (str | dict): File extension of every modality, or ``modality -> extension``.
            Defaults to ``'.png'``.
        pattern (str | dict, optional): File name with one ``{}`` for the sample name, for every
            modality or ``modality -> pattern`` (e.g. ``dict(depth='{}_depth.png')``); a
            modality with a pattern ignores ``suffix``.
        seg_map_suffix (str): File extension of the label maps (and edge maps). Defaults to
            ``'.png'``.
        reduce_zero_label (bool): Label 0 means "ignore": 0 becomes 255 and every other id
            ``id - 1``, as in mmseg. Defaults to False.
        edge_dir (str, optional): Folder of precomputed edge labels (``<name><seg_map_suffix>``,
            as CEKD uses); every sample must have one. Defaults to None: no edge labels.
        subsets (dict, optional): ``subset name -> split file`` (relative to ``data_root``);
            each sample listed by a subset file gets ``subset=<name>``. A subset file that does
            not exist is skipped; a name listed in two of them is an error. Defaults to None.
        **kwargs: ``BaseSegDataset`` arguments (``data_root``, ``metainfo``, ``pipeline``,
            ``ignore_index``, ``test_mode``, ``indices``...).
    """

    METAINFO: dict = dict()

    #: Whether a listed name ending with the first modality's suffix loses it.
    strip_listed_suffix = True

    def __init__(self,
                 modality_dirs: Dict[str, str],
                 seg_map_dir: str = 'labels',
                 ann_file: str = '',
                 suffix: NameRule = '.png',
                 pattern: Optional[NameRule] = None,
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 edge_dir: Optional[str] = None,
                 subsets: Optional[Dict[str, str]] = None,
                 **kwargs) -> None:
        if 'img_suffix' in kwargs:
            raise TypeError(f'{type(self).__name__} takes suffix (one extension, or modality -> '
                            f'extension) or pattern, not img_suffix')
        if any((kwargs.get('data_prefix') or {}).values()):
            raise TypeError(f'{type(self).__name__} takes modality_dirs (modality -> folder) and '
                            f'seg_map_dir, not data_prefix')
        meta = self._load_metainfo(copy.deepcopy(kwargs.get('metainfo')))
        classes = meta.get('classes')
        if not classes:
            raise ValueError(f'{type(self).__name__} needs the class names: give '
                             f"metainfo=dict(classes=('background', 'person', ...)), class id i "
                             f'being classes[i]')
        palette = meta.get('palette')
        if palette and not self.METAINFO.get('classes') and len(palette) != len(classes):
            raise ValueError(f'metainfo gives {len(palette)} palette colours for {len(classes)} '
                             f'classes; give one [r, g, b] per class, or no palette')
        self.modality_dirs = dict(modality_dirs or {})
        self.seg_map_dir = seg_map_dir
        self.edge_dir = edge_dir
        self.subsets = dict(subsets or {})
        self._rule = dict(suffix=suffix, pattern=pattern)
        # Bad modality names or rules fail here, before any file is read.
        first_rule = ModalityFiles(self.modality_dirs, '', suffix,
                                   pattern).patterns[next(iter(self.modality_dirs))]
        super().__init__(
            ann_file=ann_file,
            img_suffix=first_rule[2:] if first_rule.startswith('{}') else '',
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)

    @property
    def files(self) -> ModalityFiles:
        """Where each modality's file of a sample lies (``data_root`` joined)."""
        return ModalityFiles(self.modality_dirs, self.data_root or '', **self._rule)

    def _listed_suffix(self) -> str:
        return self.img_suffix if self.strip_listed_suffix else ''

    def _sample_names(self) -> List[str]:
        """The names of ``ann_file``, or of every file of the first modality's folder."""
        files = self.files
        first = files.modalities[0]
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise FileNotFoundError(f'{self.ann_file}: split file not found. Give an existing '
                                        f'ann_file, or ann_file="" to use every file of '
                                        f'{files.folder(first)}.')
            return read_name_list(self.ann_file, self._listed_suffix())
        names = sorted(files.scan(first))
        return list(require_samples(names, files.folder(first), self._empty_folder_hint()))

    def _empty_folder_hint(self) -> str:
        first = next(iter(self.modality_dirs))
        rule = self.files.patterns[first]
        return (f'put the "{first}" images there (file names {rule!r}, "{{}}" being the sample '
                f'name), or give ann_file')

    def _uses_edges(self) -> bool:
        return bool(self.edge_dir)

    def load_data_list(self) -> List[dict]:
        """One data info per sample; every file of every sample checked."""
        names = self._sample_names()
        root = self.data_root or ''
        files = self.files
        edges = self._uses_edges()
        subset_of = read_subsets(root, self.subsets, self._listed_suffix())
        data_list: List[dict] = []
        missing: List[MissingFile] = []
        for name in names:
            paths = files.paths(name)
            seg = osp.join(root, self.seg_map_dir, name + self.seg_map_suffix)
            edge = [osp.join(root, self.edge_dir, name + self.seg_map_suffix)] if edges else []
            kinds = dict.fromkeys(paths.values(), 'modality')
            kinds.update({seg: 'label', **dict.fromkeys(edge, 'edge')})
            present = [p for p in kinds if osp.isfile(p)]
            missing += [(name, p, present[0] if present else None, kind)
                        for p, kind in kinds.items() if p not in present]
            info = dict(
                img_path=paths[files.modalities[0]],
                seg_map_path=seg,
                modality_paths=paths,
                label_map=self.label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[],
                sample_name=name)
            if edges:
                info['edge_map_path'] = edge[0]
            if name in subset_of:
                info['subset'] = subset_of[name]
            data_list.append(info)
        if missing:
            raise self._missing_files_error(missing)
        return data_list

    def _missing_files_error(self, missing: Sequence[MissingFile]) -> Exception:
        """The error for the files of listed samples that are not on disk.

        Args:
            missing (Sequence[tuple]): ``(sample name, missing path, a file of that sample on
                disk or None, 'modality' | 'label' | 'edge')`` of every missing file, sample by
                sample.
        """
        files = self.files
        source = self.ann_file or files.folder(files.modalities[0])
        fix = ('Add the missing files, or remove those names from the split file.'
               if self.ann_file else 'Add the missing files, or move the incomplete samples out.')
        first_of: Dict[str, Dict[str, Tuple[str, Optional[str]]]] = {}
        for name, path, partner, kind in missing:  # the first missing file of each sample
            first_of.setdefault(kind, {}).setdefault(name, (path, partner))
        by_kind = {kind: list(first.values()) for kind, first in first_of.items()}
        if 'modality' in by_kind:
            return missing_partner_error(
                by_kind['modality'], source,
                f'Check data_root, modality_dirs, suffix and pattern. {fix}')
        kind = 'label' if 'label' in by_kind else 'edge'
        what, setting = dict(
            label=('label map', 'seg_map_dir and seg_map_suffix'),
            edge=('edge map', 'edge_dir'))[kind]
        path, partner = by_kind[kind][0]
        partner = f'its image {partner} exists' if partner else 'no file of it exists'
        return FileNotFoundError(f'{source}: {len(by_kind[kind])} sample(s) lack their {what}; '
                                 f'first: {path} is missing ({partner}). Check {setting}. {fix}')
