"""The recipe runner: plans a recipe's stages, checks their hand-overs, runs and resumes them.

A recipe is a config file (``configs/recipes/<method>_<dataset>.py``)::

    data_root = 'data/stf'                   # default of --data-root (optional)
    seed = 0                                 # randomness.seed of every stage (optional)
    cfg_options = {...}                      # options of every stage (optional)
    optional_val = ['val', 'reference.csv']  # no val when these are missing (optional)
    prepare = dict(data=dict(type='DemoData', kind='stf'))          # run every time, first
    stages = dict(
        teacher=dict(type='Train', config='configs/detection/teacher.py', evaluate=['val']),
        student=dict(type='Train', config='configs/detection/cmkd_adv.py',
                     inputs={'model.teacher_ckpt': 'teacher.best'}))
    report = dict(title=..., rows=dict(teacher='Teacher', ...), columns=[...])
    track = True                             # MLflow tracking, as --track [URI] (optional)

Stages run in order, each in ``<work_dir>/<stage>/``. A finished stage leaves
``recipe_stage.json`` (its outputs, metrics and wall time) and is skipped next time; a stage that
stopped midway resumes from its last checkpoint. ``results.md`` / ``results.json`` in the work
dir hold every stage's metrics and time; with several seeds the recipe runs once per seed
(``<work_dir>/seed_<s>/``) and the tables show mean ± std. With tracking on, every stage of every
seed is also a run in one MLflow experiment (see :mod:`cmkd_mm.tracking.mlflow_backend`).
"""
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config
from mmengine.logging import print_log

from ..tracking.mlflow_backend import import_mlflow, track_options
from ..tracking.recipe_tracking import RecipeTracking
from ..utils.config_paths import resolve_config_path
from ..utils.modality_pair import resolve_pair
from .recipe_source import check_stage_names
from .registry import RECIPE_STEPS
from .report import write_results
from .stage_config import (merge_options, set_data_root, set_from_scratch, switch_off_missing_val,
                           unread_option)
from .steps import BaseStep, Loop, split_reference

MARKER = 'recipe_stage.json'
SECTIONS = ('prepare', 'stages')


def write_marker(path: str, record: Dict) -> None:
    """Write a finished stage's marker atomically: a crash leaves the old file or none, never
    half of one (written to ``<path>.tmp``, flushed to disk, then renamed over ``path``).

    Args:
        path (str): ``<stage dir>/recipe_stage.json``.
        record (dict): The stage's record (JSON-serialisable).
    """
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(record, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_marker(path: str) -> Dict:
    """A finished stage's record.

    Args:
        path (str): ``<stage dir>/recipe_stage.json``.

    Raises:
        ValueError: The file is damaged (e.g. cut short by a crash while it was written),
            naming it and the fix: delete it so that the stage runs again.
    """
    try:
        with open(path) as f:
            record = json.load(f)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f'{path}: damaged stage marker ({error}); delete it to run this stage '
                         'again (a Train stage resumes from its last checkpoint)') from None
    if not isinstance(record, dict) or not isinstance(record.get('outputs'), dict):
        raise ValueError(f'{path}: damaged stage marker (no "outputs" record); delete it to run '
                         'this stage again (a Train stage resumes from its last checkpoint)')
    return record


class RecipeContext:
    """What a stage sees of the run: its settings and the outputs of the stages before it.

    Args:
        recipe (Config): The recipe.
        work_dir (str): Work dir of this run (one seed).
        data_root (str, optional): Data root of every stage.
        cfg_options (dict, optional): The user's options of every stage.
        from_scratch (bool): Turn off every pretrained initialisation.
        seed (int, optional): ``randomness.seed`` of every stage.
        tracking (RecipeTracking, optional): MLflow tracking of the stages' runs.
    """

    def __init__(self,
                 recipe: Config,
                 work_dir: str,
                 data_root: Optional[str] = None,
                 cfg_options: Optional[dict] = None,
                 from_scratch: bool = False,
                 seed: Optional[int] = None,
                 tracking=None) -> None:
        self.recipe = recipe
        self.work_dir = work_dir
        self.data_root = data_root
        self.cfg_options = dict(cfg_options or {})
        self.from_scratch = from_scratch
        self.seed = seed
        self.tracking = tracking
        self.outputs: Dict[str, Dict] = {}
        self.aliases: Dict[str, Dict[str, str]] = {}

    def resolve(self, ref: str):
        """The value of ``'<stage>.<output>'``."""
        stage, output = split_reference(ref)
        if stage in self.aliases:
            return self.resolve(self.aliases[stage][output])
        return self.outputs[stage][output]

    def config_path(self, path: str) -> str:
        """A stage config path: as given when it exists (absolute or from the current folder),
        else relative to the recipe and the project holding it (``<root>/configs/recipes/x.py``)
        or to the package's configs (:func:`~cmkd_mm.utils.config_paths.resolve_config_path`)."""
        return resolve_config_path(path, start=self.recipe.filename)

    def stage_config(self, config: str, work_dir: str, stage_options: Optional[dict],
                     name: str) -> Config:
        """Load a stage config and apply, in order: the data root, the recipe's options, the
        stage's options, the user's ``--cfg-options``, the sensor pair's references,
        ``--from-scratch``, the optional-val
        check, the random seed and the work dir. Hand-overs come after, in the step."""
        cfg = Config.fromfile(self.config_path(config))
        if self.data_root:
            set_data_root(cfg, self.data_root)
        merge_options(cfg, self.recipe.get('cfg_options'), name)
        merge_options(cfg, stage_options, name)
        merge_options(cfg, self.cfg_options, name)
        resolve_pair(cfg)
        if self.from_scratch:
            set_from_scratch(cfg)
        if self.recipe.get('optional_val'):
            switch_off_missing_val(cfg, self.recipe.optional_val, name)
        if self.seed is not None:
            cfg.randomness = dict(cfg.get('randomness') or {}, seed=self.seed)
        cfg.work_dir = work_dir
        if isinstance(cfg.get('visualizer'), dict):
            # mmengine keeps one visualizer per name and process: with the configs' shared
            # name every later stage would log into the first stage's folder (and MLflow run);
            # without a name each run's visualizer is named after the run.
            cfg.visualizer.pop('name', None)
        return cfg

    def tracked(self, cfg: Config, step: BaseStep) -> Config:
        """The config a stage trains with: ``cfg``, or with tracking on a copy that logs to the
        stage's MLflow run (the stage's dumped config and its evaluation stay untracked)."""
        return self.tracking.training_config(cfg, step, self) if self.tracking else cfg


class RecipeRunner:
    """Run a recipe: every stage in order, resumable, once per seed.

    Args:
        recipe (Config | str): The recipe or its file.
        work_dir (str, optional): Default ``work_dirs/<recipe file stem>``.
        data_root (str, optional): Data root of every stage; default: the recipe's
            ``data_root``, else each config's own.
        cfg_options (dict, optional): Options of every stage (routed to each config's shape).
        from_scratch (bool): Turn off every pretrained initialisation in every stage.
        seeds (Sequence[int], optional): Run the recipe once per seed.
        track (bool | str | dict, optional): MLflow tracking of every stage (True: the store
            ``sqlite:///<work_dir>/mlruns.db``; a tracking URI; a dict of
            :func:`cmkd_mm.tracking.mlflow_backend.enable_tracking` arguments; False: off).
            Default: the recipe's ``track``, else off.
    """

    def __init__(self,
                 recipe,
                 work_dir: Optional[str] = None,
                 data_root: Optional[str] = None,
                 cfg_options: Optional[dict] = None,
                 from_scratch: bool = False,
                 seeds: Optional[Sequence[int]] = None,
                 track=None) -> None:
        self.recipe = recipe if isinstance(recipe, Config) else Config.fromfile(recipe)
        stem = osp.splitext(osp.basename(self.recipe.filename or 'recipe'))[0]
        self.work_dir = work_dir or osp.join('work_dirs', stem)
        self.data_root = data_root or self.recipe.get('data_root')
        self.cfg_options = dict(cfg_options or {})
        self.from_scratch = from_scratch
        self.seeds = list(seeds) if seeds else None
        repeated = sorted({s for s in self.seeds or () if self.seeds.count(s) > 1})
        if repeated:
            raise ValueError(f'seeds {repeated} are given more than once ({self.seeds}): each '
                             'seed runs once, so mean ± std would count the same run twice. '
                             'Give every seed once, e.g. --seeds 0 1 2')
        self.tracking = None
        options = track_options(self.recipe.get('track') if track is None else track)
        if options is not None:
            self.tracking = RecipeTracking(self.work_dir, stem, self.recipe, options)
        if self.recipe.filename and osp.isfile(self.recipe.filename):
            check_stage_names(self.recipe.filename)
        self.steps, self.aliases = self.plan()
        self.check_options()

    # ------------------------------------------------------------------------------ planning
    def plan(self):
        """Build every stage (loops expanded) and check every hand-over.

        Returns:
            tuple[list[BaseStep], dict]: The stages in order and the loops' outputs.

        Raises:
            KeyError: A hand-over names a stage that does not come earlier, or an output that
                stage does not have.
        """
        steps: List[BaseStep] = []
        known: Dict[str, tuple] = {}
        aliases: Dict[str, Dict[str, str]] = {}

        def check(step: BaseStep, where: str) -> None:
            for ref in step.references():
                stage, output = split_reference(ref)
                if stage not in known:
                    raise KeyError(f'{where}: {ref!r} names stage {stage!r}, which does not '
                                   f'come before it (earlier stages: {sorted(known)})')
                if output not in known[stage]:
                    raise KeyError(f'{where}: {ref!r}: stage {stage!r} has no output '
                                   f'{output!r} (it has {list(known[stage])})')

        def add(step: BaseStep, where: str) -> None:
            if '.' in step.name or step.name in known:
                raise KeyError(f'{where}: stage name {step.name!r} is used twice or has a dot')
            check(step, where)
            known[step.name] = tuple(step.outputs)
            steps.append(step)

        for section in SECTIONS:
            for name, spec in (self.recipe.get(section) or {}).items():
                where = f'{self.recipe.filename}: {section}.{name}'
                step = RECIPE_STEPS.build(dict(spec, name=name))
                if section == 'prepare':
                    step.always_run = True
                if isinstance(step, Loop):
                    check(step, where)
                    body, final = step.expand()
                    for sub in body:
                        add(sub, f'{where} ({sub.name})')
                    aliases[name] = final
                    known[name] = tuple(final)
                else:
                    add(step, where)
        return steps, aliases

    def check_options(self) -> None:
        """Refuse options that no stage would read, before anything runs.

        The user's ``--cfg-options`` and the recipe's ``cfg_options`` go to every stage: each
        must be read by at least one stage that trains a config (after routing,
        :func:`~cmkd_mm.recipes.stage_config.unread_option`). A stage's own ``cfg_options``
        must be read by that stage. Stages whose config is an earlier stage's output
        (``Evaluate``) are left out: their config is one that trained before.

        Raises:
            KeyError: Naming each such option, the stage(s) and the closest existing key.
        """
        static = [s for s in self.steps if isinstance(getattr(s, 'config', None), str)]
        shared = [('--cfg-options', self.cfg_options),
                  (f'{self.recipe.filename}: cfg_options', self.recipe.get('cfg_options') or {})]
        if not static or not (any(o for _, o in shared) or any(s.cfg_options for s in static)):
            return
        ctx, loaded = RecipeContext(self.recipe, self.work_dir), {}

        def config(step) -> Config:
            if step.config not in loaded:
                loaded[step.config] = Config.fromfile(ctx.config_path(step.config))
            return loaded[step.config]

        problems = []
        for source, options in shared:
            for key in options:
                found = [unread_option(config(s), key) for s in static]
                if all(found):  # the stage with a close key tells the most
                    told = next((p for p in found if 'did you mean' in p), found[0])
                    problems.append(f'{source} (no stage reads it): {told}')
        for step in static:
            for key in step.cfg_options:
                problem = unread_option(config(step), key)
                if problem:
                    problems.append(f'stage {step.name}: {problem}')
        if problems:
            raise KeyError(f'recipe {self.recipe.filename}: options that nothing would read: ' +
                           '; '.join(problems) + '. Fix the key or leave the option out')

    def describe(self) -> str:
        """The plan, one stage per line."""
        return '\n'.join(f'{i + 1:2d}. {s.name}: {s.describe()}' for i, s in enumerate(self.steps))

    # ------------------------------------------------------------------------------- running
    def run(self) -> Dict:
        """Run (or resume) the recipe for every seed; write and print the results tables.

        Returns:
            dict: ``runs`` (per seed: stage -> record), ``results`` (the paths of
            ``results.md`` / ``results.json``) and ``table`` (the report, markdown).
        """
        if self.tracking:
            import_mlflow()  # before any stage: a clear error without the tracking extra
        os.makedirs(self.work_dir, exist_ok=True)
        print_log(f'recipe {self.recipe.filename}:\n{self.describe()}', logger='current')
        seeds = self.seeds or [None]
        runs = []
        for seed in seeds:
            work_dir = self.work_dir if self.seeds is None else osp.join(
                self.work_dir, f'seed_{seed}')
            runs.append(self.run_once(work_dir, seed))
        table, paths = write_results(self.work_dir, self.recipe, runs, self.seeds)
        print(f'\n{table}\nresults in {paths[0]} and {paths[1]}')
        return dict(runs=runs, results=paths, table=table)

    def run_once(self, work_dir: str, seed: Optional[int]) -> Dict[str, Dict]:
        """Run every stage once in ``work_dir``; return stage -> record."""
        ctx = RecipeContext(self.recipe, work_dir, self.data_root, self.cfg_options,
                            self.from_scratch,
                            seed if seed is not None else self.recipe.get('seed'), self.tracking)
        ctx.aliases = self.aliases
        records = {}
        for step in self.steps:
            records[step.name] = self.run_stage(step, ctx, osp.join(work_dir, step.name))
            ctx.outputs[step.name] = records[step.name]['outputs']
        return records

    @staticmethod
    def run_stage(step: BaseStep, ctx: RecipeContext, stage_dir: str) -> Dict:
        """Run one stage unless its marker says it finished; return its record."""
        marker = osp.join(stage_dir, MARKER)
        inputs = {key: ctx.resolve(ref) for key, ref in step.inputs.items()}
        if osp.isfile(marker) and not step.always_run:
            record = read_marker(marker)
            if record.get('inputs') != json.loads(json.dumps(inputs)):
                print_log(
                    f'{step.name}: finished before with other inputs '
                    f'({record.get("inputs")}); kept. Delete {stage_dir} to run it again.',
                    logger='current',
                    level=30)
            else:
                print_log(f'{step.name}: finished before, skipped', logger='current')
            if ctx.tracking:
                ctx.tracking.log_stage(step, ctx, stage_dir, record, skipped=True)
            return record
        os.makedirs(stage_dir, exist_ok=True)
        print_log(f'=== {step.name}: {step.describe()}', logger='current')
        start = time.time()
        result = step.run(ctx, stage_dir)
        record = dict(
            stage=step.name,
            type=type(step).__name__,
            inputs=inputs,
            outputs=result['outputs'],
            metrics=result.get('metrics', {}),
            wall_time_s=time.time() - start)
        record = json.loads(json.dumps(record, default=float))
        if ctx.tracking:
            ctx.tracking.log_stage(step, ctx, stage_dir, record)
        if not step.always_run:
            write_marker(marker, record)
        return record
