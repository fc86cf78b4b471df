"""Experiment tracking with MLflow: params, metrics and artifacts of training runs and recipes.

MLflow is an optional extra (``pip install -e .[tracking]``: ``mlflow-skinny`` with SQLAlchemy
and alembic for the SQLite store, no UI); it is imported only when tracking is switched on.

* :func:`enable_tracking` adds an MLflow backend (:class:`CMKDMLflowVisBackend`: mmengine's
  ``MLflowVisBackend`` that does not upload the store's own files) to a config's visualizer: the
  run gets the config as params (and ``config.py``), every logged scalar (losses,
  learning rate, val metrics) as metrics and, on close, the ``.json`` / ``.log`` / ``.py`` /
  ``yaml`` files of the work dir as artifacts. The default store is ``sqlite:///<work_dir>/
  mlruns.db`` with the artifacts in ``<work_dir>/mlartifacts``. Checkpoints are not uploaded;
  ``artifact_suffix=('.json', '.log', '.py', 'yaml', '.pth')`` in the options adds them.
* :class:`cmkd_mm.tracking.recipe_tracking.RecipeTracking` does it for every stage of a recipe, and
  logs each stage's final metrics (``final/<split>/<metric>``) to its run;
  :mod:`cmkd_mm.analysis.run_comparison` reads a store back as the method comparison table
  (``tools/analysis_tools/compare_runs.py``).

The switch is ``--track [URI]`` of ``tools/train.py`` and ``tools/run_recipe.py``, or ``track``
in a config or recipe: ``True`` (the default store), a tracking URI, a path (a ``.db`` file or a
folder for ``mlruns.db``) or a dict of :func:`enable_tracking` arguments.
"""
import logging
import os
import os.path as osp
import re
import time
from typing import Dict, Optional, Sequence

from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import VISBACKENDS
from mmengine.utils import scandir
from mmengine.visualization import MLflowVisBackend

from ..utils.config import type_name

INSTALL_HINT = 'pip install -e .[tracking]'
DB_NAME = 'mlruns.db'
ARTIFACT_DIR = 'mlartifacts'
FINAL_PREFIX = 'final/'
FINAL_TAG = 'final_metrics'
WALL_TIME = 'wall_time_s'
BACKEND = 'CMKDMLflowVisBackend'
MODULE = __name__  # imported by the configs that track (custom_imports)


def import_mlflow():
    """``mlflow``, or an ImportError that says how to install it."""
    try:
        import mlflow
    except ImportError as e:
        raise ImportError(f'experiment tracking (--track / track=...) needs MLflow: '
                          f'{INSTALL_HINT} (requirements/tracking.txt)') from e
    return mlflow


def default_tracking_uri(work_dir: str) -> str:
    """``sqlite:///<abs work_dir>/mlruns.db``."""
    return 'sqlite:///' + osp.abspath(osp.join(work_dir, DB_NAME))


def resolve_tracking_uri(value: Optional[str], work_dir: Optional[str] = None) -> str:
    """A tracking URI from a URI (kept), a ``.db`` file (SQLite) or a folder (its
    ``mlruns.db``); None: the default store of ``work_dir``."""
    if value is None or value is True:
        if work_dir is None:
            raise ValueError('no tracking URI and no work dir for the default store')
        return default_tracking_uri(work_dir)
    value = str(value)
    if re.match(r'^[A-Za-z][\w+.-]+:', value) or value == 'databricks':
        return value
    return 'sqlite:///' + osp.abspath(value if value.endswith('.db') else osp.join(value, DB_NAME))


def sqlite_path(uri: str) -> Optional[str]:
    """The database file of a ``sqlite:///`` URI, else None."""
    return uri[len('sqlite:///'):] if uri.startswith('sqlite:///') else None


def default_artifact_location(uri: str) -> Optional[str]:
    """``<folder of the database>/mlartifacts`` for a SQLite store (MLflow would use
    ``./mlruns`` of the current folder); None (the server's choice) otherwise."""
    path = sqlite_path(uri)
    return osp.join(osp.dirname(osp.abspath(path)), ARTIFACT_DIR) if path else None


def track_options(track) -> Optional[dict]:
    """The :func:`enable_tracking` arguments of a ``track`` switch: None / False (off), True
    (the default store), a URI or path (``tracking_uri``), or a dict of arguments."""
    if track is None or track is False:
        return None
    if track is True:
        return {}
    if isinstance(track, str):
        return dict(tracking_uri=track)
    if isinstance(track, dict):
        return dict(track)
    raise TypeError(f'track={track!r}: expected True, a tracking URI or a dict')


@VISBACKENDS.register_module()
class CMKDMLflowVisBackend(MLflowVisBackend):
    """mmengine's ``MLflowVisBackend``, less two things on close: the files of the store itself
    (a SQLite store and its artifacts kept in the work dir) are not uploaded as artifacts (they
    would be copied into every new run), and a run whose config was never added (no work dir
    known) closes without artifacts."""

    def __init__(self, *args, skip_paths: Sequence[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._skip_paths = [osp.abspath(p) for p in skip_paths]

    def _init_env(self):
        logger = MMLogger.get_current_instance()
        local = str(self._tracking_uri).startswith(('sqlite:', 'file:'))
        quiet = logging.Filter()
        quiet.filter = lambda record: not (local and 'mlflow server' in record.getMessage())
        logger.addFilter(quiet)  # mmengine warns of a server for any URI, local ones too
        try:
            super()._init_env()
        finally:
            logger.removeFilter(quiet)

    def _skipped(self, path: str) -> bool:
        path = osp.abspath(path)
        return any(path == p or path.startswith(p + os.sep) for p in self._skip_paths)

    def close(self) -> None:
        if not hasattr(self, '_mlflow'):
            return
        work_dir = getattr(getattr(self, 'cfg', None), 'work_dir', None)
        if work_dir and osp.isdir(work_dir):
            for rel in scandir(work_dir, self._artifact_suffix, True):
                path = osp.join(work_dir, rel)
                if not self._skipped(path):
                    self._mlflow.log_artifact(path, osp.dirname(rel))
        self._mlflow.end_run()


def enable_tracking(cfg: Config,
                    tracking_uri: Optional[str] = None,
                    exp_name: Optional[str] = None,
                    run_name: Optional[str] = None,
                    tags: Optional[dict] = None,
                    **kwargs) -> dict:
    """Add an MLflow backend to ``cfg.visualizer.vis_backends`` (in place; the other backends
    stay; an MLflow backend already there is replaced).

    Args:
        cfg (Config): A training config with ``work_dir`` set.
        tracking_uri (str, optional): A tracking URI (``sqlite:///...``, ``http://host:5000``,
            ``file:///...``), a ``.db`` file or a folder. Default: ``sqlite:///<work_dir>/
            mlruns.db``; the artifacts of a SQLite store go to ``mlartifacts`` beside it.
        exp_name (str, optional): The experiment; default: the config file's stem.
        run_name (str, optional): The run's name; default: MLflow's.
        tags (dict, optional): Run tags (values turned into strings).
        **kwargs: Other ``MLflowVisBackend`` arguments: ``params``, ``artifact_suffix`` (default
            ``('.json', '.log', '.py', 'yaml')``; add ``'.pth'`` to upload checkpoints),
            ``tracked_config_keys``, ``artifact_location``.

    Returns:
        dict: The backend's config.

    Raises:
        ImportError: MLflow is not installed (``pip install -e .[tracking]``).
    """
    import_mlflow()
    if not cfg.get('work_dir'):
        raise ValueError('enable_tracking: set cfg.work_dir first')
    uri = resolve_tracking_uri(tracking_uri, cfg.work_dir)
    db = sqlite_path(uri)
    if db:
        os.makedirs(osp.dirname(osp.abspath(db)), exist_ok=True)
    artifacts = kwargs.pop('artifact_location', None) or default_artifact_location(uri)
    backend = dict(
        type=BACKEND,
        tracking_uri=uri,
        exp_name=exp_name or osp.splitext(osp.basename(cfg.filename or 'Default'))[0],
        run_name=run_name,
        tags={
            str(k): str(v)
            for k, v in (tags or {}).items()
        },
        artifact_location=artifacts,
        skip_paths=[p for p in (db, artifacts) if p and '://' not in p],
        **kwargs)
    visualizer = cfg.get('visualizer') or dict(
        type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])
    backends = [
        b for b in (visualizer.get('vis_backends') or [])
        if type_name(b) not in ('MLflowVisBackend', BACKEND)
    ]
    cfg.visualizer = dict(visualizer, vis_backends=backends + [backend])
    # a config dumped from this one builds the backend without this module imported first
    imports = dict(cfg.get('custom_imports') or dict(imports=[], allow_failed_imports=False))
    names = list(imports.get('imports') or [])
    if MODULE not in names:
        cfg.custom_imports = dict(imports, imports=names + [MODULE])
    return backend


# --------------------------------------------------------------------------- logging results
def tracking_client(uri: str):
    import_mlflow()
    from mlflow.tracking import MlflowClient
    return MlflowClient(tracking_uri=uri)


def metric_name(name: str) -> str:
    """MLflow takes letters, digits, ``_ - . / : space`` in metric names."""
    return re.sub(r'[^/\w.\- :]', '_', name)


def log_final_metrics(tracking_uri: str, run_id: str, metrics: Dict[str, float]) -> None:
    """Log ``metrics`` (step 0) and the tag ``final_metrics=true`` to a run and finish it."""
    from mlflow.entities import Metric
    client = tracking_client(tracking_uri)
    stamp = int(time.time() * 1000)
    client.log_batch(run_id, metrics=[Metric(k, float(v), stamp, 0) for k, v in metrics.items()])
    # the tag last: a run that has it has all its final metrics
    client.set_tag(run_id, FINAL_TAG, 'true')
    if client.get_run(run_id).info.status != 'FINISHED':
        client.set_terminated(run_id, 'FINISHED')
