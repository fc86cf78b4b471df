"""MLflow tracking of a recipe: one store and experiment, one run per stage and seed.

:class:`RecipeTracking` gives every stage of a recipe (``RecipeRunner(track=...)``,
``tools/run_recipe.py --track``) one store in the recipe's work dir (``sqlite:///<work_dir>/
mlruns.db``), one experiment named after the recipe, one run per stage and seed (run name
``<stage>`` or ``seed_<s>/<stage>``), tagged ``recipe``, ``stage``, ``seed``, ``stage_type``,
``label`` (the stage's row in the recipe's ``report.rows``), ``config``, ``work_dir``,
``resumed``. After the stage (and the evaluation of its best checkpoint) the run gets its final
metrics as ``final/<split>/<metric>`` (e.g. ``final/val/coco/bbox_mAP``,
``final/profile/params``) and ``final/wall_time_s``, and the tag ``final_metrics=true``. A stage
without a training run of its own (``Evaluate``) gets a run with its final metrics alone; so does
a stage that finished before tracking was switched on (tagged ``backfilled=true``).
"""
import copy
import logging
import os
import os.path as osp
import uuid
from typing import Dict, Optional

from mmengine.config import Config
from mmengine.logging import print_log

from ..utils.metrics import split_metrics
from .mlflow_backend import (FINAL_PREFIX, FINAL_TAG, WALL_TIME, default_artifact_location,
                             enable_tracking, log_final_metrics, metric_name, resolve_tracking_uri,
                             tracking_client)


def final_metrics(record: Dict) -> Dict[str, float]:
    """``final/<split>/<metric>`` and ``final/wall_time_s`` of a recipe stage record."""
    metrics = {
        metric_name(FINAL_PREFIX + key): value
        for key, value in split_metrics(record.get('metrics')).items()
    }
    if record.get(WALL_TIME) is not None:
        metrics[FINAL_PREFIX + WALL_TIME] = float(record[WALL_TIME])
    return metrics


def _quote(value) -> str:
    return "'" + str(value).replace("'", "\\'") + "'"


class RecipeTracking:
    """MLflow tracking of a recipe: one store and experiment, one run per stage and seed.

    Args:
        work_dir (str): The recipe's work dir (the default store is its ``mlruns.db``).
        recipe_name (str): The experiment's name.
        recipe (Config): The recipe (its ``report.rows`` label the runs).
        options (dict, optional): :func:`enable_tracking` arguments (``tracking_uri``,
            ``exp_name``, ``tags``, ``artifact_suffix`` ...) of every stage.
    """

    def __init__(self,
                 work_dir: str,
                 recipe_name: str,
                 recipe: Config,
                 options: Optional[dict] = None) -> None:
        self.options = dict(options or {})
        self.work_dir = work_dir
        self.recipe = recipe
        self.recipe_name = recipe_name
        self.tracking_uri = resolve_tracking_uri(self.options.pop('tracking_uri', None), work_dir)
        self.exp_name = self.options.pop('exp_name', None) or recipe_name
        self.extra_tags = dict(self.options.pop('tags', None) or {})
        self.attempts: Dict[str, str] = {}

    def tags(self, step, ctx, stage_dir: str) -> Dict[str, str]:
        """The tags of a stage's run."""
        rows = (self.recipe.get('report') or {}).get('rows') or {}
        tags = dict(
            self.extra_tags,
            recipe=self.recipe_name,
            recipe_file=self.recipe.filename or '',
            stage=step.name,
            seed=ctx.seed,
            stage_type=type(step).__name__,
            work_dir=osp.abspath(stage_dir))
        if rows.get(step.name):
            tags['label'] = rows[step.name]
        config = getattr(step, 'config', None)
        if isinstance(config, str):
            try:
                tags['config'] = ctx.config_path(config)
            except FileNotFoundError:
                tags['config'] = config
        return {k: str(v) for k, v in tags.items()}

    def run_name(self, stage_dir: str) -> str:
        """``<stage>`` or ``seed_<s>/<stage>``: the stage dir in the recipe's work dir."""
        return osp.relpath(stage_dir, self.work_dir).replace(os.sep, '/')

    def experiment_id(self, client) -> str:
        experiment = client.get_experiment_by_name(self.exp_name)
        if experiment is not None:
            return experiment.experiment_id
        return client.create_experiment(
            self.exp_name,
            artifact_location=self.options.get('artifact_location')
            or default_artifact_location(self.tracking_uri))

    def training_config(self, cfg: Config, step, ctx) -> Config:
        """A copy of a stage's training config with the MLflow backend of its run."""
        cfg = copy.deepcopy(cfg)
        attempt = uuid.uuid4().hex
        self.attempts[cfg.work_dir] = attempt
        tags = dict(
            self.tags(step, ctx, cfg.work_dir),
            attempt=attempt,
            resumed=str(bool(cfg.get('resume'))).lower())
        enable_tracking(
            cfg,
            tracking_uri=self.tracking_uri,
            exp_name=self.exp_name,
            run_name=self.run_name(cfg.work_dir),
            tags=tags,
            **self.options)
        return cfg

    def log_stage(self, step, ctx, stage_dir: str, record: Dict, skipped: bool = False) -> None:
        """Log a stage's final metrics and wall time: to its training run (that of this
        attempt), else to a run of their own. A stage that finished before (``skipped``) is
        logged only when the store has no final metrics of it yet. Runs of the same stage and
        seed still marked running (a killed attempt) are marked killed. A failure to log is a
        warning: the recipe goes on."""
        try:
            self._log_stage(step, ctx, stage_dir, record, skipped)
        except ImportError:
            raise
        except Exception as e:  # the store is a record of the recipe, not a part of it
            print_log(
                f'{step.name}: could not log the final metrics to {self.tracking_uri}: {e!r}',
                logger='current',
                level=logging.WARNING)

    def _log_stage(self, step, ctx, stage_dir: str, record: Dict, skipped: bool) -> None:
        attempt = self.attempts.pop(stage_dir, None)
        metrics = final_metrics(record)
        if attempt is None and set(metrics) <= {FINAL_PREFIX + WALL_TIME} \
                and record.get('type') != 'Train':
            return  # no run and nothing to compare (data preparation)
        client = tracking_client(self.tracking_uri)
        exp_id = self.experiment_id(client)
        tags = self.tags(step, ctx, stage_dir)
        same = f'tags.stage = {_quote(tags["stage"])} and tags.seed = {_quote(tags["seed"])}'
        logged = f"{same} and tags.{FINAL_TAG} = 'true'"
        if skipped and client.search_runs([exp_id], logged, max_results=1):
            return
        run_id = None
        if attempt is not None:
            runs = client.search_runs([exp_id], f'tags.attempt = {_quote(attempt)}', max_results=1)
            run_id = runs[0].info.run_id if runs else None
        if run_id is None:
            if skipped:
                tags['backfilled'] = 'true'
            run_id = client.create_run(
                exp_id, tags=tags, run_name=self.run_name(stage_dir)).info.run_id
        for run in client.search_runs([exp_id], f"{same} and attributes.status = 'RUNNING'"):
            if run.info.run_id != run_id:
                client.set_terminated(run.info.run_id, 'KILLED')
        log_final_metrics(self.tracking_uri, run_id, metrics)
