"""The method comparison of an MLflow store of recipe runs: a row per stage, mean ± std of its
final metrics over the random seeds (``tools/analysis_tools/compare_runs.py``).

Per stage and seed it takes the latest finished run that has final metrics
(:mod:`cmkd_mm.tracking.recipe_tracking` logs them), so a stage that crashed and resumed (a new run,
tagged ``resumed=true``) counts once.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from ..recipes.report import mean_std_cell, mean_std_stats
from ..tracking.mlflow_backend import (FINAL_PREFIX, FINAL_TAG, WALL_TIME, resolve_tracking_uri,
                                       sqlite_path, tracking_client)
from ..utils.tables import markdown_table


def latest_stage_runs(tracking_uri: str, experiment: Optional[str] = None) -> Tuple[str, List]:
    """Per (stage, seed) the latest finished run with final metrics, oldest stage first.

    Args:
        tracking_uri (str): The store (a URI, a ``.db`` file or a work dir).
        experiment (str, optional): The experiment; default: the only one with final metrics.

    Returns:
        tuple[str, list[mlflow.entities.Run]]: The experiment's name and its runs.
    """
    uri = resolve_tracking_uri(tracking_uri)
    db = sqlite_path(uri)
    if db and not osp.isfile(db):
        raise FileNotFoundError(f'{db}: no MLflow store there')
    client = tracking_client(uri)
    if experiment is not None:
        found = client.get_experiment_by_name(experiment)
        if found is None:
            names = [e.name for e in client.search_experiments()]
            raise ValueError(f'{uri}: no experiment {experiment!r} (there are {names})')
        experiments = [found]
    else:
        experiments = client.search_experiments()
    query = f"tags.{FINAL_TAG} = 'true' and attributes.status = 'FINISHED'"
    by_experiment = {}
    for exp in experiments:
        runs, token = [], None
        while True:
            page = client.search_runs([exp.experiment_id],
                                      query,
                                      order_by=['attributes.start_time DESC'],
                                      page_token=token)
            runs += list(page)
            token = page.token
            if not token:
                break
        if runs or experiment is not None:
            by_experiment[exp.name] = runs
    if len(by_experiment) != 1:
        raise ValueError(f'{uri}: {len(by_experiment)} experiments have stage runs with final '
                         f'metrics ({sorted(by_experiment)}); choose one with --experiment')
    name, runs = next(iter(by_experiment.items()))
    latest = {}
    for run in runs:  # newest first
        tags = run.data.tags
        latest.setdefault((tags.get('stage', run.info.run_name), tags.get('seed')), run)
    return name, sorted(latest.values(), key=lambda r: r.info.start_time)


def compare_runs(tracking_uri: str,
                 experiment: Optional[str] = None,
                 metrics: Optional[Sequence[str]] = None) -> Dict:
    """The comparison of a store's stages: per stage, every final metric over its seeds.

    Returns:
        dict: ``experiment``, ``metrics`` (the columns, without ``final/``) and ``stages``:
        stage -> ``label``, ``seeds``, ``n`` and ``metrics`` (metric -> ``values`` per seed,
        ``mean``, ``std``), ``wall_time_s`` likewise; stages in the order they first ran.
    """
    name, runs = latest_stage_runs(tracking_uri, experiment)
    stages: Dict[str, Dict] = {}
    for run in runs:
        tags = run.data.tags
        stage = stages.setdefault(
            tags.get('stage', run.info.run_name),
            dict(label=tags.get('label') or tags.get('stage', run.info.run_name), runs=[]))
        stage['runs'].append(run)
    if metrics:
        keys = [m[len(FINAL_PREFIX):] if m.startswith(FINAL_PREFIX) else m for m in metrics]
    else:
        keys = sorted({
            k[len(FINAL_PREFIX):]
            for run in runs
            for k in run.data.metrics
            if k.startswith(FINAL_PREFIX) and k != FINAL_PREFIX + WALL_TIME
        })
    out = {}
    for stage, entry in stages.items():

        def values(key, runs=entry['runs']):
            return [r.data.metrics.get(FINAL_PREFIX + key) for r in runs]

        out[stage] = dict(
            label=entry['label'],
            seeds=[r.data.tags.get('seed') for r in entry['runs']],
            n=len(entry['runs']),
            metrics={k: mean_std_stats(values(k))
                     for k in keys},
            wall_time_s=mean_std_stats(values(WALL_TIME)))
    return dict(experiment=name, metrics=keys, stages=out)


def compare_table(tracking_uri: str,
                  experiment: Optional[str] = None,
                  metrics: Optional[Sequence[str]] = None,
                  fmt: str = '.4g',
                  scale: float = 1.0,
                  show_time: bool = True) -> str:
    """The method comparison of a store as a markdown table: a row per stage, a column per
    final metric, cells ``mean ± std`` over the random seeds (the results tables' format), and the
    number of seeds.

    Args:
        tracking_uri (str): The store (a URI, a ``.db`` file or a work dir).
        experiment (str, optional): The experiment; default: the only one with stage runs.
        metrics (Sequence[str], optional): Columns, ``<split>/<metric>`` (e.g.
            ``val/coco/bbox_mAP``); default: every final metric.
        fmt (str): Number format of the metric cells.
        scale (float): Factor of the metric values (100 for percent).
        show_time (bool): Add a wall time column (s).

    With ``metrics`` given, a stage that has none of them (one that only trains, evaluated by a
    later ``Evaluate`` stage) is left out of the table and named below it.
    """
    result = compare_runs(tracking_uri, experiment, metrics)
    head = ['Stage'] + result['metrics'] + (['time (s)'] if show_time else []) + ['n']
    table, left_out = [], []
    for stage, entry in result['stages'].items():
        if metrics and not any(v is not None for m in entry['metrics'].values()
                               for v in m['values']):
            left_out.append(stage)  # none of the chosen metrics (a training-only stage)
            continue
        cells = [entry['label']]
        for key in result['metrics']:
            values = entry['metrics'][key]['values']
            cells.append(
                mean_std_cell([float('nan') if v is None else v * scale for v in values], fmt))
        if show_time:
            cells.append(
                mean_std_cell(
                    [float('nan') if v is None else v for v in entry['wall_time_s']['values']],
                    '.0f'))
        cells.append(str(entry['n']))
        table.append(cells)
    lines = [result['experiment'], '', markdown_table(head, table)]
    if left_out:
        lines += ['', f'(stages without these metrics: {", ".join(left_out)})']
    return '\n'.join(lines)
