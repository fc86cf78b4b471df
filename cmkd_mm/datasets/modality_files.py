"""Where each modality's file of a sample lies: one folder and one file-name rule per modality.

Every multi-modal dataset of cmkd_mm names a sample by an id (``000123``, ``<recording>_<frame>``,
the ``<id>`` of ``SAR_<id>.png``) and finds the file of each modality with :class:`ModalityFiles`:
``<root>/<folder of the modality>[/<sub-folder>]/<file name of the id>``. The file-name rule of a
modality is a suffix (``'.png'``: ``<id>.png``) or a pattern with one ``{}`` for the id
(``'SAR_{}.png'``, ``'{}_ir.tiff'``). The same rule reads an id back from a file name, so a
folder can be listed and its files paired by id.
"""
import os
import os.path as osp
import re
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

NameRule = Union[str, Dict[str, str]]


def _per_modality(value: Optional[NameRule], names: Sequence[str], what: str) -> Dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {m: value for m in names}
    unknown = sorted(set(value) - set(names))
    if unknown:
        raise ValueError(f'{what} names modalities {unknown} that modality_dirs does not have '
                         f'({list(names)}); give one value for each of those names.')
    return dict(value)


class ModalityFiles:
    """The file of every modality of a sample, from its id.

    Args:
        modality_dirs (dict): ``modality name -> folder``, relative to ``root`` unless absolute.
            Several modalities may share a folder (told apart by their file-name rules, or one
            file holding several modalities, as MFNet's RGBA PNG).
        root (str): The folder the modality folders are relative to (``data_root``).
        suffix (str | dict): File extension appended to the id, one for every modality or
            ``modality -> extension``. Defaults to ``'.png'``.
        pattern (str | dict, optional): File name with one ``{}`` standing for the id, one for
            every modality or ``modality -> pattern`` (e.g. ``dict(sar='SAR_{}.png',
            eo='EO_{}.png')``); a modality with a pattern ignores ``suffix``.
    """

    def __init__(self,
                 modality_dirs: Dict[str, str],
                 root: str = '',
                 suffix: NameRule = '.png',
                 pattern: Optional[NameRule] = None) -> None:
        if not modality_dirs:
            raise ValueError('modality_dirs is empty: name at least one modality and its folder, '
                             "e.g. dict(rgb='visible', ir='infrared')")
        self.dirs = dict(modality_dirs)
        self.root = root or ''
        names = list(self.dirs)
        suffixes = _per_modality(suffix, names, 'suffix')
        patterns = _per_modality(pattern, names, 'pattern')
        self.patterns: Dict[str, str] = {}
        for m in names:
            rule = patterns.get(m)
            if rule is None:
                if m not in suffixes:
                    raise ValueError(f'modality "{m}" has neither a suffix nor a pattern; add '
                                     f'it to suffix or pattern')
                rule = '{}' + suffixes[m]
            if rule.count('{}') != 1 or '/' in rule:
                raise ValueError(f'pattern of modality "{m}" must be a file name with exactly one '
                                 f'"{{}}" for the sample id, e.g. "SAR_{{}}.png"; got {rule!r}')
            self.patterns[m] = rule
        self._regex = {
            m: re.compile('^' + '(.+?)'.join(re.escape(p) for p in rule.split('{}')) + '$')
            for m, rule in self.patterns.items()
        }

    @property
    def modalities(self) -> List[str]:
        """The modality names, in declaration order."""
        return list(self.dirs)

    def folder(self, modality: str, sub: str = '') -> str:
        """The folder holding ``modality``'s files (``sub``: a class or split sub-folder)."""
        return osp.join(self.root, self.dirs[modality], sub) if sub else osp.join(
            self.root, self.dirs[modality])

    def file_name(self, modality: str, sample_id: str) -> str:
        """The file name of ``sample_id`` for ``modality``."""
        return self.patterns[modality].replace('{}', sample_id)

    def paths(self, sample_id: str, sub: str = '') -> Dict[str, str]:
        """``modality -> path`` of every modality file of ``sample_id``."""
        return {m: osp.join(self.folder(m, sub), self.file_name(m, sample_id)) for m in self.dirs}

    def sample_id(self, modality: str, file_name: str) -> Optional[str]:
        """The id a file name of ``modality`` carries, or None when it does not follow the rule."""
        match = self._regex[modality].match(file_name)
        return match.group(1) if match else None

    def list_files(
            self,
            modality: str,
            sub: str = '',
            read_id: Optional[Callable[[str], Optional[str]]] = None) -> List[Tuple[str, str]]:
        """``(sample id, path)`` of every file of ``modality`` in its folder, in name order.

        Args:
            modality (str): The modality.
            sub (str): Sub-folder of the modality folder to list (a class folder).
            read_id (callable, optional): ``path -> sample id or None`` used instead of the
                modality's name rule, for a dataset whose names follow a looser rule. Default:
                :meth:`sample_id` of each file (not folder) in it.

        Raises:
            FileNotFoundError: The folder does not exist.
        """
        folder = self.folder(modality, sub)
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{folder}: folder of modality "{modality}" not found. Check '
                                    f'data_root and modality_dirs ({self.dirs}).')
        found = []
        for name in sorted(os.listdir(folder)):
            path = osp.join(folder, name)
            if read_id is not None:
                sample_id = read_id(path)
            else:
                sample_id = self.sample_id(modality, name) if osp.isfile(path) else None
            if sample_id is not None:
                found.append((sample_id, path))
        return found

    def scan(self, modality: str, sub: str = '') -> Dict[str, str]:
        """``sample id -> path`` of every file of ``modality`` in its folder (sorted by name).

        Files that do not follow the modality's name rule are not samples and are left out.

        Raises:
            FileNotFoundError: The folder does not exist.
        """
        return dict(self.list_files(modality, sub))

    def pair(self, sub: str = '') -> Tuple[List[str], List[Tuple[str, str]]]:
        """List every modality's folder and pair the files by id.

        Args:
            sub (str): Sub-folder of every modality folder to list (a class folder).

        Returns:
            tuple: The ids found in every modality (sorted), and ``(path, expected partner)`` of
            each file whose partner of another modality is missing.
        """
        found = {m: self.scan(m, sub) for m in self.dirs}
        ids = sorted(set().union(*found.values()))
        complete, unpaired = [], []
        for sample_id in ids:
            have = [m for m in self.dirs if sample_id in found[m]]
            if len(have) == len(self.dirs):
                complete.append(sample_id)
                continue
            lost = next(m for m in self.dirs if m not in have)
            unpaired.append((found[have[0]][sample_id],
                             osp.join(self.folder(lost, sub), self.file_name(lost, sample_id))))
        return complete, unpaired

    def missing(self, paths_of: Iterable[Dict[str, str]]) -> List[Tuple[str, str]]:
        """``(missing path, a partner on disk or None)`` for each sample whose modality files are
        not all on disk."""
        problems = []
        for paths in paths_of:
            absent = [p for p in dict.fromkeys(paths.values()) if not osp.isfile(p)]
            if absent:
                present = [p for p in paths.values() if osp.isfile(p)]
                problems.append((absent[0], present[0] if present else None))
        return problems


def missing_partner_error(problems: Sequence[Tuple[str, Optional[str]]], source: str,
                          fix: str) -> FileNotFoundError:
    """The error for samples whose modality files are not all on disk, naming both paths.

    Args:
        problems (Sequence[tuple]): ``(missing path, partner path)`` pairs, as
            :meth:`ModalityFiles.missing` or :meth:`ModalityFiles.pair` give them.
        source (str): What listed the samples (an annotation file, a folder).
        fix (str): What the user can do.
    """
    missing, partner = problems[0]
    partner = f'its partner {partner} exists' if partner else 'no file of that sample exists'
    return FileNotFoundError(f'{source}: {len(problems)} sample(s) lack a modality file; first: '
                             f'{missing} is missing ({partner}). {fix}')
