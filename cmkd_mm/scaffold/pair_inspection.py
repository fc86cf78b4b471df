"""Everything a pair's data config needs, read from the data folder by the reader of its task:
the modalities' folders, file-name rules and formats, the labels and their classes, and the
samples of each split."""
from typing import Callable, Dict

from .cls_pair import inspect_cls
from .det_pair import inspect_det
from .pair_reader import PairData, PairOptions, check_names
from .seg_pair import inspect_seg

#: ``task -> reader`` of its data folder.
INSPECTORS: Dict[str, Callable[[PairOptions], PairData]] = dict(
    det=inspect_det, seg=inspect_seg, cls=inspect_cls)


def inspect_pair(opts: PairOptions) -> PairData:
    """Read the data folder of ``opts`` for its task.

    Raises:
        ScaffoldError: What the folder leaves open (the message names the flag) or what is
            wrong with it.
    """
    check_names(opts)
    return INSPECTORS[opts.task](opts)
