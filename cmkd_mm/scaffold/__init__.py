"""Configs of a new sensor pair from its data folder (``tools/misc/new_pair.py``)."""
from .errors import ScaffoldError
from .method_table import PAIR_METHODS, Method, MethodFamily, method_family
from .new_pair import PairScaffold, dataset_name, new_pair, plan_pair
from .pair_inspection import inspect_pair
from .pair_reader import PairData, PairOptions

__all__ = [
    'ScaffoldError', 'PAIR_METHODS', 'Method', 'MethodFamily', 'method_family', 'PairScaffold',
    'dataset_name', 'new_pair', 'plan_pair', 'PairData', 'PairOptions', 'inspect_pair'
]
