"""The training logs of a whole recipe run (``tools/run_recipe.py``), over its seeds.

A recipe run keeps every stage in ``<work_dir>/<stage>/`` or, with several seeds, in
``<work_dir>/seed_<s>/<stage>/``; a finished stage leaves ``recipe_stage.json`` (its type,
metrics and wall time) and ``results.json`` in the work dir names the recipe, whose
``report.rows`` labels the stages.
"""
import json
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..recipes.report import mean_std_cell
from ..recipes.runner import MARKER
from ..utils.tables import markdown_table
from .log_analysis import RunLog, load_run, train_time

SPREADS = ('minmax', 'std')


def _read_json(path: str) -> Optional[Dict]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def find_seed_runs(work_dir: str) -> Dict[Optional[int], str]:
    """Seed -> run dir: ``seed_<s>/`` folders, else the work dir itself (seed None)."""
    seeds = {}
    for name in os.listdir(work_dir):
        match = re.match(r'^seed_(-?\d+)$', name)
        if match and osp.isdir(osp.join(work_dir, name)):
            seeds[int(match.group(1))] = osp.join(work_dir, name)
    return dict(sorted(seeds.items())) if seeds else {None: work_dir}


def _recipe_report(recipe_file: Optional[str], work_dir: str) -> Dict:
    """The ``report`` of the recipe named in results.json (relative to the folder it was run
    from: tried from here and from the work dir's parents), or ``{}``."""
    if not recipe_file:
        return {}
    base, candidates = osp.abspath(work_dir), [recipe_file]
    while osp.dirname(base) != base:
        base = osp.dirname(base)
        candidates.append(osp.join(base, recipe_file))
    for path in candidates:
        if osp.isfile(path):
            from mmengine.config import Config
            try:
                return dict(Config.fromfile(path).get('report') or {})
            except Exception:  # a recipe that no longer loads: no labels
                return {}
    return {}


class RecipeLogs:
    """The logs of a recipe run's training stages, per seed.

    Args:
        work_dir (str): The recipe's work dir.
        stages (Sequence[str], optional): Stages to read, in this order. Default: the
            training stages of the recipe's ``report.rows``, else every training stage. A
            stage is read in the random seeds that finished it (``recipe_stage.json``); while none
            has, in those running it.
        labels (Sequence[str], optional): Labels of the stages. Default: ``report.rows``,
            else the stage names.

    Raises:
        FileNotFoundError: A stage has a log in no seed.
    """

    def __init__(self,
                 work_dir: str,
                 stages: Optional[Sequence[str]] = None,
                 labels: Optional[Sequence[str]] = None) -> None:
        if not osp.isdir(work_dir):
            raise FileNotFoundError(f'{work_dir}: no such recipe work dir')
        self.work_dir = work_dir
        self.runs = find_seed_runs(work_dir)
        results = _read_json(osp.join(work_dir, 'results.json')) or {}
        self.report = _recipe_report(results.get('recipe'), work_dir)
        self.name = osp.splitext(osp.basename(results.get('recipe') or work_dir))[0]
        self.records = {
            seed: {
                s: r
                for s in sorted(os.listdir(d)) if (r := _read_json(osp.join(d, s, MARKER)))
            }
            for seed, d in self.runs.items()
        }
        self.stages = list(stages) if stages else self._default_stages(results)
        rows = self.report.get('rows') or {}
        if labels and len(labels) != len(self.stages):
            raise ValueError(f'{len(labels)} labels for {len(self.stages)} stages '
                             f'{self.stages}')
        self.labels = dict(zip(self.stages, labels or [rows.get(s, s) for s in self.stages]))
        self.logs: Dict[str, Dict[Optional[int], RunLog]] = {}
        for stage in self.stages:
            # the random seeds that finished the stage; while none has, the ones running it
            finished = [seed for seed in self.runs if stage in self.records[seed]]
            self.logs[stage] = {}
            for seed in finished or list(self.runs):
                stage_dir = osp.join(self.runs[seed], stage)
                if osp.isdir(stage_dir):
                    try:
                        self.logs[stage][seed] = load_run(stage_dir, stage)
                    except FileNotFoundError:
                        pass
            if not self.logs[stage]:
                raise FileNotFoundError(
                    f'{work_dir}: stage {stage!r} has no training log in any seed '
                    f'(stages with logs: {self.trained_stages()})')

    def trained_stages(self) -> List[str]:
        """The finished training stages, in the order of results.json (else by name)."""
        order = {}
        for records in self.records.values():
            for stage, record in records.items():
                if record.get('type') == 'Train':
                    order.setdefault(stage, len(order))
        return sorted(order, key=order.get)

    def _default_stages(self, results: Dict) -> List[str]:
        trained = self.trained_stages()
        listed = list(results.get('stages') or {})
        trained.sort(key=lambda s: listed.index(s) if s in listed else len(listed))
        rows = [s for s in (self.report.get('rows') or {}) if s in trained]
        if not (rows or trained):
            raise FileNotFoundError(f'{self.work_dir}: no finished training stage '
                                    f'({MARKER}) in {list(self.runs.values())}')
        return rows or trained

    @property
    def seeds(self) -> List[Optional[int]]:
        """The random seeds (``[None]`` for a run without seeds)."""
        return list(self.runs)

    def curves(self, stage: str, key: str) -> Tuple[List[Tuple[np.ndarray, np.ndarray]], str]:
        """Per seed ``(x, y)`` of one scalar of one stage, and the x label."""
        out, label = [], 'iteration'
        for log in self.logs[stage].values():
            x, y, label = log.curve(key)
            out.append((x, y))
        return out, label

    def wall_times(self, stage: str) -> List[float]:
        """The stage's wall time (s, ``recipe_stage.json``, evaluation included) per seed."""
        return [
            float(records[stage]['wall_time_s']) for records in self.records.values()
            if stage in records and 'wall_time_s' in records[stage]
        ]


def aggregate(curves: Sequence[Tuple[np.ndarray, np.ndarray]],
              spread: str = 'minmax') -> Tuple[np.ndarray, ...]:
    """Mean curve and spread over seeds, at the steps every seed logged.

    Args:
        curves (Sequence[tuple]): Per seed ``(x, y)``.
        spread (str): ``'minmax'`` (lowest to highest seed) or ``'std'`` (mean ± the sample
            standard deviation; 0 for one seed).

    Returns:
        tuple[np.ndarray, ...]: ``x, mean, low, high``.
    """
    if spread not in SPREADS:
        raise ValueError(f'spread {spread!r}: one of {SPREADS}')
    common = sorted(set.intersection(*[set(x.tolist()) for x, _ in curves]))
    values = np.array([[dict(zip(x.tolist(), y.tolist()))[c] for c in common]
                       for x, y in curves]).reshape(len(curves), len(common))
    mean = values.mean(axis=0)
    if spread == 'minmax':
        return np.array(common), mean, values.min(axis=0), values.max(axis=0)
    std = values.std(axis=0, ddof=1) if len(curves) > 1 else np.zeros_like(mean)
    return np.array(common), mean, mean - std, mean + std


def recipe_time_table(recipe: RecipeLogs, include_outliers: bool = False) -> str:
    """Per stage, mean ± std over the random seeds of its wall time, its training time and its
    average iteration time (markdown).

    Args:
        recipe (RecipeLogs): The recipe run.
        include_outliers (bool): See :func:`~cmkd_mm.analysis.log_analysis.train_time`.
    """
    seeds = recipe.seeds
    note = 'one run' if seeds == [None] else f'seeds {seeds}: mean ± std'
    head = ['Stage', 'seeds', 'wall time (s)', 'training time (s)', 'iter time (s/iter)']
    table = []
    for stage in recipe.stages:
        stats = [train_time(log, include_outliers) for log in recipe.logs[stage].values()]
        table.append([
            recipe.labels[stage],
            str(len(stats)),
            mean_std_cell(recipe.wall_times(stage), '.1f'),
            mean_std_cell([s['train_time'] for s in stats], '.1f'),
            mean_std_cell([s['avg_iter_time'] for s in stats], '.4f')
        ])
    lines = [f'Training time of {recipe.name} ({note})', '', markdown_table(head, table)]
    lines += [
        '', 'wall time: the whole stage (recipe_stage.json, evaluation included); training '
        'time: estimated from the log (logged iteration time x iterations)'
    ]
    return '\n'.join(lines)
