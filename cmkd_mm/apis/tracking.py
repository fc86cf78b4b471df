"""Deprecated: the MLflow backend moved to :mod:`cmkd_mm.tracking.mlflow_backend`.

Configs dumped by tracked runs of earlier versions name this module in ``custom_imports``;
importing it still registers the backend, with a warning, so those configs keep loading.
"""
from ..tracking.mlflow_backend import *  # noqa: F401,F403
from ..tracking.mlflow_backend import MODULE
from ..utils.deprecation import warn_deprecated

warn_deprecated(__name__, MODULE, 'custom_imports')
