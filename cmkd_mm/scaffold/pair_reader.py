"""What reading a pair's data folder takes and gives, whatever the task: the options (the flags),
the result (what the data config declares) and the steps every task's reader shares (folders,
file-name rules, pairing, formats, splits, classes)."""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from ..datasets.modality_files import ModalityFiles, missing_partner_error
from .errors import ScaffoldError
from .folder_layout import assign_splits, file_rule, image_files, modality_folders
from .image_format import FileFormat, modality_spec, read_file_format, spread

TASKS = ('det', 'seg', 'cls')


@dataclass
class PairOptions:
    """What the user said (the flags of ``tools/misc/new_pair.py``).

    Args:
        data_root (str): The data folder.
        task (str): ``'det'``, ``'seg'`` or ``'cls'``.
        teacher (list[str]): The teacher's modalities, in channel order.
        student (list[str]): The student's modalities.
        dirs (dict): ``modality -> folder`` where the folder is not named as the modality.
        suffix (dict): ``modality -> file extension`` where its folder holds several.
        pattern (dict): ``modality -> file-name pattern`` (``'{}_depth.png'``).
        channels (dict): ``modality -> channels to read`` (1 grey, 3 colour, 4).
        bit_depth (dict): ``modality -> bits of its 16-bit values`` (10, 12...).
        classes (list[str], optional): Class names, in label order.
        labels (str, optional): The labels, relative to ``data_root``: the XML folder or COCO
            json (det), the label map folder (seg).
        val_split (str, optional): The split validation uses when the data has no val split.
        reduce_zero_label (bool): seg: label 0 is "ignore" (mmseg's ``reduce_zero_label``).
        input_size (tuple, optional): det: ``(w, h)`` the images are resized to (in ratio).
        chip_size (dict): cls: ``modality -> side`` its chips are resized to.
    """
    data_root: str
    task: str
    teacher: List[str]
    student: List[str]
    dirs: Dict[str, str] = field(default_factory=dict)
    suffix: Dict[str, str] = field(default_factory=dict)
    pattern: Dict[str, str] = field(default_factory=dict)
    channels: Dict[str, int] = field(default_factory=dict)
    bit_depth: Dict[str, int] = field(default_factory=dict)
    classes: Optional[List[str]] = None
    labels: Optional[str] = None
    val_split: Optional[str] = None
    reduce_zero_label: bool = False
    input_size: Optional[Tuple[int, int]] = None
    chip_size: Dict[str, int] = field(default_factory=dict)

    @property
    def modalities(self) -> List[str]:
        """The teacher's modalities, then the student's others (``pair:modalities`` order)."""
        return list(dict.fromkeys(list(self.teacher) + list(self.student)))


@dataclass
class PairData:
    """What the data config declares.

    Args:
        task (str): ``'det'``, ``'seg'`` or ``'cls'``.
        dataset_type (str): The generic dataset.
        modalities (dict): ``modality -> LoadModalities spec``.
        classes (list[str]): Class names, in label order.
        splits (dict): ``'train'`` / ``'val'`` / ``'test'`` -> the data's split serving it.
        datasets (dict): The data's split -> its dataset arguments (no type, root, pipeline).
        evaluator_files (dict): The data's split -> its COCO json (COCO metric), if any.
        same_size (bool): The modalities of every sample read have one size (registered).
        input_size (tuple, optional): det: ``(w, h)`` of the resize.
        chip_size (dict): cls: ``modality -> (w, h)`` of the resize.
        samples (dict): The data's split -> number of samples.
        found (list[str]): What was read, one line per item.
        notes (list[str]): What was decided without a flag, one line each.
    """
    task: str
    dataset_type: str
    modalities: Dict[str, dict]
    classes: List[str]
    splits: Dict[str, str]
    datasets: Dict[str, dict]
    evaluator_files: Dict[str, str] = field(default_factory=dict)
    same_size: bool = True
    input_size: Optional[Tuple[int, int]] = None
    chip_size: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    samples: Dict[str, int] = field(default_factory=dict)
    found: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


def join_folder(*parts: str) -> str:
    """``parts`` joined by ``/`` (empty ones left out, no leading or trailing ``/``)."""
    return '/'.join(p.strip('/') for p in parts if p)


def check_names(opts: PairOptions) -> None:
    """The task and the modality names of ``opts`` are usable.

    Raises:
        ScaffoldError: An unknown task, a model without modalities, a modality named twice by
            one model, or a per-modality flag naming a modality neither model uses.
    """
    if opts.task not in TASKS:
        raise ScaffoldError(f'--task {opts.task}: give one of {list(TASKS)}.')
    if not opts.teacher or not opts.student:
        raise ScaffoldError('give the modalities of both models: --teacher NAME [NAME ...] '
                            '--student NAME [NAME ...]')
    for flag, names in (('--teacher', opts.teacher), ('--student', opts.student)):
        repeated = sorted({n for n in names if list(names).count(n) > 1})
        if repeated:
            raise ScaffoldError(f'{flag} names {repeated} twice.')
    for flag in ('dirs', 'suffix', 'pattern', 'channels', 'bit_depth', 'chip_size'):
        unknown = [n for n in getattr(opts, flag) if n not in opts.modalities]
        if unknown and flag != 'dirs':  # modality_folders says it for --dirs
            raise ScaffoldError(f'--{flag.replace("_", "-")} names {unknown}, which --teacher/'
                                f'--student do not use (they use {opts.modalities}).')


class PairReader:
    """The steps every task's reader takes: folders, file-name rules, pairing and formats.

    What it reads is collected in :attr:`found`, what it decides without a flag in
    :attr:`notes` (the lines of :class:`PairData`).

    Args:
        opts (PairOptions): What the user said.

    Raises:
        ScaffoldError: The names of ``opts`` are not usable (:func:`check_names`) or a modality
            has no folder.
    """

    def __init__(self, opts: PairOptions) -> None:
        check_names(opts)
        self.opts = opts
        self.root = opts.data_root
        self.names = opts.modalities
        self.folders = modality_folders(self.root, self.names, opts.dirs)
        self.suffixes: Dict[str, str] = {}
        self.patterns: Dict[str, str] = {}
        self.found: List[str] = []
        self.notes: List[str] = []

    def dirs_of_splits(self, split_dirs: Dict[str, str]) -> Dict[str, Dict[str, str]]:
        """``split -> modality -> folder``: the split's sub-folder of each modality folder
        (``split_dirs``: ``split -> sub-folder``); ``{'all': the modality folders}`` without
        split folders."""
        return {
            split: {
                n: join_folder(self.folders[n], sub)
                for n in self.names
            }
            for split, sub in split_dirs.items()
        } or {
            'all': dict(self.folders)
        }

    def rules(self, sub_of: Dict[str, Sequence[str]]) -> dict:
        """Find the file-name rule of each modality from the files of its folders ``sub_of[name]``
        (kept in :attr:`suffixes` and :attr:`patterns`) and return their dataset arguments: one
        suffix for all when they agree."""
        suffixes, patterns = {}, {}
        for name in self.names:
            files: List[str] = []
            for folder in sub_of[name]:
                files += image_files(osp.join(self.root, folder))
            where = ', '.join(osp.join(self.root, f) for f in sub_of[name])
            suffix, pattern = file_rule(name, files, where, self.opts.suffix.get(name),
                                        self.opts.pattern.get(name))
            if pattern is not None:
                patterns[name] = pattern
            else:
                suffixes[name] = suffix
        self.suffixes, self.patterns = suffixes, patterns
        args = {}
        if suffixes:
            values = set(suffixes.values())
            args['suffix'] = values.pop() if len(values) == 1 and not patterns else dict(suffixes)
        if patterns:
            args['pattern'] = dict(patterns)
        return args

    def files(self, dirs: Dict[str, str]) -> ModalityFiles:
        """The modality files in ``dirs`` (``modality -> folder``), named by the found rules."""
        return ModalityFiles(dirs, self.root, suffix=self.suffixes or '.png', pattern=self.patterns)

    def folder_ids(self, dirs: Dict[str, str]) -> List[str]:
        """The sample ids of the first modality's files in ``dirs``."""
        return list(self.files(dirs).scan(self.names[0]))

    def check_files(self,
                    files: ModalityFiles,
                    ids: Sequence[str],
                    source: str,
                    sub: str = '') -> None:
        """Every modality file of every id exists; else the error naming the missing file and
        its partner."""
        problems = files.missing(files.paths(i, sub) for i in ids)
        if problems:
            raise ScaffoldError(
                str(
                    missing_partner_error(
                        problems, source, 'Give the missing files or remove the samples; if the '
                        'names differ between the modalities, give each modality\'s name rule '
                        '(--suffix NAME=.EXT or --pattern NAME=PREFIX{}SUFFIX).')))

    def formats(self, paths_of: Sequence[Dict[str, str]]) -> Dict[str, List[FileFormat]]:
        """The formats of the files of a few samples (spread over ``paths_of``), per modality."""
        picked = spread(list(paths_of))
        return {name: [read_file_format(paths[name]) for paths in picked] for name in self.names}

    def specs(self,
              formats: Dict[str, List[FileFormat]],
              registered: bool = True) -> Tuple[Dict[str, dict], bool]:
        """The LoadModalities specs and whether every sample's modalities have one size (said
        in a note when not, for ``registered`` tasks)."""
        specs, lines = {}, []
        for name in self.names:
            spec, line = modality_spec(name, formats[name], self.opts.channels.get(name),
                                       self.opts.bit_depth.get(name))
            specs[name] = spec
            lines.append(f'{name}: {self.folders[name]}/, {line}')
        self.found[:0] = lines  # the modalities first, then the labels
        count = len(formats[self.names[0]])
        sizes = [{formats[n][i].size for n in self.names} for i in range(count)]
        same = all(len(s) == 1 for s in sizes)
        if not same and registered and len(self.names) > 1:
            i = next(k for k, s in enumerate(sizes) if len(s) > 1)
            self.notes.append('the modalities of a sample differ in size (e.g. ' + ', '.join(
                f'{osp.basename(formats[n][i].path)} of {n}: {formats[n][i].size}'
                for n in self.names) + '): not declared registered (no same_size); '
                              'the resize brings each to the input size')
        return specs, same

    def sample_specs(self, dirs: Dict[str, str],
                     ids: Sequence[str]) -> Tuple[Dict[str, dict], bool]:
        """:meth:`specs` of the samples ``ids`` of the folders ``dirs`` (a registered task)."""
        files = self.files(dirs)
        return self.specs(self.formats([files.paths(i) for i in ids]))

    def splits(self, found: Sequence[str], what: str) -> Dict[str, str]:
        """Which found split serves training, validation and test (noted where decided)."""
        splits, notes = assign_splits(found, self.opts.val_split, what)
        self.notes += notes
        return splits

    def classes_in_order(self, found: Sequence[str], what: str) -> List[str]:
        """The ``--classes`` (each found class must be one of them), else the found ones."""
        given = self.opts.classes
        if not given:
            return list(found)
        unknown = [c for c in found if c not in given]
        if unknown:
            raise ScaffoldError(f'{what} name classes {unknown} that --classes {" ".join(given)} '
                                'does not: add them to --classes.')
        return list(given)
