"""The results tables of a recipe run: the recipe's report table and every stage's metrics.

A recipe may declare the table it is read by::

    report = dict(
        title='COCO bbox mAP (%)',
        rows=dict(teacher='Teacher (RGB + 3 gated)', baseline='Baseline (RGB)'),
        columns=[dict(label='val mAP', split='val', metric='coco/bbox_mAP', scale=100),
                 dict(label='AUROC', split='val', metric='auroc', fmt='.3f')],
        time=True)                       # a wall-time column (s)

With several seeds every cell is ``mean ± std`` (sample standard deviation) over the random seeds.
"""
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..utils.metrics import split_metrics
from ..utils.tables import markdown_table


def _finite(values: List[Optional[float]]) -> List[float]:
    return [v for v in values if v is not None and not math.isnan(v)]


def mean_std_cell(values: List[float], fmt: str) -> str:
    """``mean ± std`` (sample std) of the finite values, the value alone for one, ``n/a`` for
    none."""
    values = _finite(values)
    if not values:
        return 'n/a'
    if len(values) == 1:
        return format(values[0], fmt)
    return f'{format(float(np.mean(values)), fmt)} ± {format(float(np.std(values, ddof=1)), fmt)}'


def mean_std_stats(values: List[Optional[float]]) -> Dict:
    """``values`` with the ``mean`` and ``std`` (sample std, 0 for one) of the finite ones."""
    finite = _finite(values)
    out = dict(values=values)
    if finite:
        out.update(
            mean=float(np.mean(finite)),
            std=float(np.std(finite, ddof=1)) if len(finite) > 1 else 0.0)
    return out


def record_metrics(record: Dict) -> Dict[str, float]:
    """``'<split>/<metric>' -> value`` of a stage record's scalar metrics."""
    return split_metrics(record.get('metrics'))


def report_table(recipe, runs: List[Dict[str, Dict]]) -> str:
    """The recipe's ``report`` table (markdown); without one, a table of every stage that has
    metrics, with all its scalar metrics as columns."""
    spec = dict(recipe.get('report') or {})
    stages = list(runs[0])
    rows = spec.get('rows') or {
        s: s
        for s in stages if record_metrics(runs[0][s]) or runs[0][s]['type'] == 'Train'
    }
    rows = {stage: label for stage, label in rows.items() if stage in runs[0]}
    columns = spec.get('columns')
    if columns is None:
        keys = sorted({k for s in rows for k in record_metrics(runs[0][s])})
        columns = [dict(label=k, split=k.split('/', 1)[0], metric=k.split('/', 1)[1]) for k in keys]
    show_time = spec.get('time', True)
    head = ['Stage' if not spec.get('rows') else 'Model'] + [c['label'] for c in columns]
    head += ['time (s)'] if show_time else []
    table = []
    for stage, label in rows.items():
        cells = [label]
        for col in columns:
            key = f'{col["split"]}/{col["metric"]}'
            values = [
                record_metrics(run[stage]).get(key, float('nan')) * col.get('scale', 1.0)
                for run in runs
            ]
            cells.append(mean_std_cell(values, col.get('fmt', '.1f')))
        if show_time:
            cells.append(mean_std_cell([run[stage]['wall_time_s'] for run in runs], '.0f'))
        table.append(cells)
    title = f'{spec["title"]}\n\n' if spec.get('title') else ''
    return title + markdown_table(head, table)


def write_results(work_dir: str, recipe, runs: List[Dict[str, Dict]],
                  seeds: Optional[Sequence[int]]) -> Tuple[str, Tuple[str, str]]:
    """Write ``results.md`` and ``results.json`` to ``work_dir``.

    ``results.md`` holds the report table, then every stage with its wall time and all its
    scalar metrics; ``results.json`` the same numbers per seed and their mean and std.

    Args:
        work_dir (str): The recipe's work dir.
        recipe (Config): The recipe.
        runs (list[dict]): Per seed, stage -> record.
        seeds (Sequence[int], optional): The random seeds, or None for one run.

    Returns:
        tuple[str, tuple[str, str]]: The report table and the two paths.
    """
    table = report_table(recipe, runs)
    seed_note = f'seeds {list(seeds)}: mean ± std' if seeds else 'one run'
    lines = [
        f'# Results of {osp.basename(recipe.filename or "recipe")} ({seed_note})', '', table, '',
        '## Every stage', ''
    ]
    stages: Dict[str, Dict] = {}
    for stage in runs[0]:
        keys = sorted({k for run in runs for k in record_metrics(run[stage])})
        entry = dict(
            type=runs[0][stage]['type'],
            wall_time_s=mean_std_stats([run[stage]['wall_time_s'] for run in runs]),
            outputs=[run[stage]['outputs'] for run in runs],
            metrics={
                k: mean_std_stats([record_metrics(run[stage]).get(k) for run in runs])
                for k in keys
            })
        stages[stage] = entry
        lines.append(f'- **{stage}** ({entry["type"]}, '
                     f'{mean_std_cell([run[stage]["wall_time_s"] for run in runs], ".0f")} s)' +
                     ''.join(f'; {k} {mean_std_cell(v["values"], ".4g")}'
                             for k, v in entry['metrics'].items()))
    md_path, json_path = osp.join(work_dir, 'results.md'), osp.join(work_dir, 'results.json')
    with open(md_path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(json_path, 'w') as f:
        json.dump(
            dict(recipe=recipe.filename, seeds=list(seeds) if seeds else None, stages=stages),
            f,
            indent=1,
            default=float)
    return table, (md_path, json_path)
