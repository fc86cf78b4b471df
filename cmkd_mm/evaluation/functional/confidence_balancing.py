"""Per-class confidence balancing of the NTIRE 2021 KD post-processing."""
from typing import Dict, Sequence, Tuple

import numpy as np

from ...utils.deprecation import deprecated_value
from .arrays import ArrayLike, softmax, to_numpy

SECOND_BEST = ('softmax', 'original')
#: Deprecated spellings of a ``second_best`` -> the current ones.
SECOND_BEST_ALIASES = dict(seed='original')


def confidence_balancing(logits: ArrayLike,
                         k: int = 85,
                         classes: Sequence[int] = (0, 1, 2, 3),
                         second_best: str = 'softmax') -> Tuple[np.ndarray, Dict[int, int]]:
    """Per-class confidence balancing of the NTIRE 2021 KD post-processing.

    The test set is assumed roughly balanced (826 chips, ~83 per class), so a frequent class
    keeps only its ``k`` most confident predictions. With ``p = softmax(logits)`` and
    ``pred = argmax(logits)``, for every class ``c`` of ``classes``, in that order:

    1. ``val`` = the ``k``-th largest ``p[i, c]`` over the samples with ``pred[i] == c``;
    2. every such sample with ``p[i, c] < val`` moves to its next-best class and gets
       ``p[i, c] = -100``, so a later step never moves it back to ``c``.

    Samples tied with ``val`` all stay, so a class may keep more than ``k`` (the NTIRE 2021 code's
    ``<``). A class with ``k`` or fewer predictions is left as it is (the NTIRE 2021 code's
    ``sorted(...)[-85]`` would fail below 85). A sample may move several times (e.g. out of class 0
    into class 1, then out of class 1 into its third-best class). Classes not in ``classes`` (4-9 in
    the NTIRE 2021 code) are never balanced.

    Next-best class:

    * ``'softmax'``: the argmax of the current ``p[i]`` with ``p[i, c] = -100`` (the first
      index among equal values), so classes already left are never chosen again.
    * ``'original'``: the NTIRE 2021 code's quirk. For the first class of ``classes`` it takes the
      raw logits, the second-largest *distinct* value and the first index holding it; for the
      following classes the current softmax vector (with the ``-100`` entries), its second-largest
      value counting repeats, and the first index holding it. The two rules differ only when scores
      tie.

    Args:
        logits (ArrayLike): ``(N, C)`` logits.
        k (int): Predictions kept per balanced class. Defaults to 85.
        classes (Sequence[int]): Classes balanced, in order. Defaults to ``(0, 1, 2, 3)``.
        second_best (str): ``'softmax'`` or ``'original'`` (``'seed'``: deprecated name of
            ``'original'``). Defaults to ``'softmax'``.

    Returns:
        tuple[np.ndarray, dict[int, int]]: The new predictions ``(N, )`` and, for every class of
        ``classes``, the number of samples moved out of it.
    """
    second_best = deprecated_value(second_best, SECOND_BEST_ALIASES,
                                   'confidence_balancing(second_best)')
    if second_best not in SECOND_BEST:
        raise ValueError(f'second_best must be one of {SECOND_BEST}, got {second_best!r}')
    logits = to_numpy(logits, np.float64)
    scores = softmax(logits)
    pred = logits.argmax(axis=1)
    moved_out = {}
    for step, cls in enumerate(classes):
        members = np.flatnonzero(pred == cls)
        moved_out[cls] = 0
        if len(members) <= k:
            continue
        threshold = np.sort(scores[members, cls])[-k]
        for i in members[scores[members, cls] < threshold]:
            if second_best == 'softmax':
                scores[i, cls] = -100.0
                pred[i] = scores[i].argmax()
            else:
                if step == 0:
                    row = logits[i]
                    second = np.unique(row)[-2]
                else:
                    row = scores[i]
                    second = np.sort(row)[-2]
                pred[i] = np.flatnonzero(row == second)[0]
                scores[i, cls] = -100.0
            moved_out[cls] += 1
    return pred, moved_out
