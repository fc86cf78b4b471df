"""A new sensor pair's configs from its data folder: the data config, one config per method on
the method bases, and a recipe (``tools/misc/new_pair.py``)."""
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .config_text import (config_reference, configs_dir, cwd_path, data_config_text, leaf_name,
                          leaf_text, modalities_field, recipe_text, stage_names)
from .errors import ScaffoldError
from .method_table import MethodFamily, method_family
from .pair_inspection import inspect_pair
from .pair_reader import PairData, PairOptions

_NAME = re.compile(r'^[a-z0-9][a-z0-9-]*$')


def dataset_name(data_root: str) -> str:
    """A config name's dataset field from a folder name (``data/M3FD_Detection`` ->
    ``m3fd-detection``)."""
    base = osp.basename(osp.normpath(osp.abspath(data_root))).lower()
    return re.sub(r'[^a-z0-9]+', '-', base).strip('-') or 'pair'


@dataclass
class PairScaffold:
    """The configs of a pair, before and after they are written.

    Args:
        out (str): The folder they go to.
        files (dict): ``path -> text``, the data config first, the recipe last.
        command (str): The command that runs the recipe.
        data (PairData): What the data folder holds.
        written (list[str]): The files written.
    """
    out: str
    files: Dict[str, str]
    command: str
    data: PairData
    written: List[str] = field(default_factory=list)

    def write(self, force: bool = False) -> List[str]:
        """Write every file; none when one exists and ``force`` is False.

        Raises:
            ScaffoldError: Files exist (they are listed) and ``force`` is False.
        """
        existing = [p for p in self.files if osp.exists(p)]
        if existing and not force:
            raise ScaffoldError(f'{len(existing)} file(s) exist: {", ".join(existing)}. Nothing '
                                'was written; --force overwrites them (or choose another --out).')
        for path, text in self.files.items():
            os.makedirs(osp.dirname(path) or '.', exist_ok=True)
            with open(path, 'w') as f:
                f.write(text)
            self.written.append(path)
        return self.written

    def summary(self) -> str:
        """What was read, decided and written, and the command to run."""
        lines = ['Read:'] + [f'  {line}' for line in self.data.found]
        lines += [
            '  splits: ' + ', '.join(f'{role} = {split} ({self.data.samples[split]} '
                                     'samples)' for role, split in self.data.splits.items())
        ]
        if self.data.notes:
            lines += ['Decided (the flags in brackets change it):'
                      ] + [f'  {n}' for n in self.data.notes]
        lines += ['Wrote:' if self.written else 'Would write:']
        lines += [f'  {cwd_path(p)}' for p in self.files]
        lines += ['Train the teacher, the baseline and the students:', f'  {self.command}']
        return '\n'.join(lines)


def _base(folder: str, name: str, what: str) -> str:
    path = osp.join(configs_dir(), '_base_', folder, name)
    if not osp.isfile(path):
        raise ScaffoldError(f'{what} {path} does not exist in this installation of cmkd_mm.')
    return path


def plan_pair(opts: PairOptions,
              out: Optional[str] = None,
              name: Optional[str] = None,
              methods: Optional[str] = None,
              epochs: Optional[int] = None) -> PairScaffold:
    """Read the data folder and lay out the pair's configs (nothing written).

    Args:
        opts (PairOptions): The data folder, task, modalities and what the files leave open.
        out (str, optional): The folder of the configs. Default: ``configs/pairs/<name>``.
        name (str, optional): The dataset field of the config names. Default: the data
            folder's name, lower case.
        methods (str, optional): The method family (:data:`~.method_table.PAIR_METHODS`).
            Default: the task's first.
        epochs (int, optional): ``train_cfg.max_epochs`` of every config. Default: the
            schedule's.

    Returns:
        PairScaffold: The files to write.

    Raises:
        ScaffoldError: What the folder leaves open (the message names the flag), or bad input.
    """
    name = name or dataset_name(opts.data_root)
    if not _NAME.match(name):
        raise ScaffoldError(f'--name {name}: a config name field is lower case letters, digits '
                            "and '-' (docs/config_names.md), e.g. --name my-pair.")
    try:
        family: MethodFamily = method_family(opts.task, methods)
    except KeyError as error:
        raise ScaffoldError(f'--methods: {error.args[0]}') from None
    if epochs is not None and epochs < 1:
        raise ScaffoldError(f'--epochs {epochs}: give at least 1.')
    bases = [_base('methods', m.base, 'the method base') for m in family.methods]
    schedule = _base('schedules', family.schedule, 'the schedule')
    data = inspect_pair(opts)
    out = out or osp.join('configs', 'pairs', name)
    data_root = opts.data_root.rstrip('/') + '/'
    data_file = osp.join(out, '_base_', f'{name}_{modalities_field(opts.modalities)}.py')
    files = {data_file: data_config_text(data, name, data_root, opts.teacher, opts.student, family)}
    leaves = []
    for method, base in zip(family.methods, bases):
        path = osp.join(out, leaf_name(method, opts.teacher, opts.student, name))
        refs = [
            config_reference(base, out), './' + osp.relpath(data_file, out),
            config_reference(schedule, out)
        ]
        files[path] = leaf_text(method, refs, opts.teacher, opts.student, epochs)
        leaves.append(path)
    generic = osp.join(configs_dir(), 'recipes', family.recipe)
    recipe = osp.join(out, 'recipe.py')
    command = f'python tools/run_recipe.py {cwd_path(recipe)}'
    stages = stage_names(family, osp.isfile(generic))
    title = (f'{name} ({" + ".join(opts.teacher)} -> {" + ".join(opts.student)}), '
             f'{family.metric_label} (%)')
    stage_files = {s: cwd_path(p) for s, p in zip(stages, leaves)}
    generic_ref = config_reference(generic, out) if osp.isfile(generic) else None
    files[recipe] = recipe_text(family, stage_files, stages, generic_ref, data_root, title, command,
                                opts.teacher, opts.student)
    return PairScaffold(out, files, command, data)


def new_pair(opts: PairOptions,
             out: Optional[str] = None,
             name: Optional[str] = None,
             methods: Optional[str] = None,
             epochs: Optional[int] = None,
             force: bool = False) -> PairScaffold:
    """Read the data folder and write the pair's configs (:func:`plan_pair`, then
    :meth:`PairScaffold.write`).

    Args:
        opts (PairOptions): The data folder, task, modalities and what the files leave open.
        out (str, optional): The folder of the configs. Default: ``configs/pairs/<name>``.
        name (str, optional): The dataset field of the config names.
        methods (str, optional): The method family. Default: the task's first.
        epochs (int, optional): ``train_cfg.max_epochs`` of every config.
        force (bool): Overwrite existing files. Defaults to False.

    Returns:
        PairScaffold: What was written.
    """
    scaffold = plan_pair(opts, out, name, methods, epochs)
    scaffold.write(force)
    return scaffold
