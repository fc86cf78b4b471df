"""Out-of-distribution scores of the MAVOC challenges and the AUROC that ranks them.

:func:`max_softmax_score` (what NJUST-KMG's code submits), :func:`energy_score` (what their
README describes), :func:`max_logit_score`, and :func:`ood_score`, the one entry point that
``MAVOCMetric`` and NJUST-KMG inference both call by name. :func:`binary_auroc` (Mann-Whitney)
is the challenge's AUROC.
"""
import numpy as np

from .arrays import ArrayLike, softmax, to_numpy

OOD_SCORES = ('max_softmax', 'energy', 'max_logit')


def energy_score(logits: ArrayLike, T: float = 1.0) -> np.ndarray:
    """In-distribution energy score ``T * logsumexp(logits / T)``, higher = more in-distribution.

    This is ``-E(x)`` with ``E(x) = -T * logsumexp(f(x) / T)`` the free energy of Liu et al.
    (NeurIPS 2020). pytorch-ood's ``EnergyBased`` detector returns ``E(x)`` itself as an outlier
    score (higher = more OOD), i.e. the negative of this value; OpenOOD's ``EBOPostprocessor``
    returns this value.

    Args:
        logits (ArrayLike): ``(N, C)`` logits.
        T (float): Temperature. Defaults to 1.0.

    Returns:
        np.ndarray: ``(N, )`` scores.
    """
    scaled = to_numpy(logits, np.float64) / T
    peak = scaled.max(axis=1)
    return T * (peak + np.log(np.exp(scaled - peak[:, None]).sum(axis=1)))


def max_softmax_score(logits: ArrayLike) -> np.ndarray:
    """Maximum softmax probability, higher = more in-distribution (NJUST-KMG's submitted score).

    Args:
        logits (ArrayLike): ``(N, C)`` logits.

    Returns:
        np.ndarray: ``(N, )`` scores in ``(0, 1]``.
    """
    return softmax(to_numpy(logits, np.float64)).max(axis=1)


def max_logit_score(logits: ArrayLike) -> np.ndarray:
    """Maximum logit, higher = more in-distribution.

    Args:
        logits (ArrayLike): ``(N, C)`` logits.

    Returns:
        np.ndarray: ``(N, )`` scores.
    """
    return to_numpy(logits, np.float64).max(axis=1)


def binary_auroc(scores: ArrayLike, positive: ArrayLike) -> float:
    """Area under the ROC curve by the Mann-Whitney rank formula.

    With the scores ranked 1..N (tied scores get their average rank), ``n1`` positives and
    ``n0`` negatives::

        AUROC = (sum of the positives' ranks - n1 (n1 + 1) / 2) / (n1 n0)

    which is the fraction of (positive, negative) pairs where the positive scores higher, a tie
    counting 1/2. For MAVOC OOD detection the in-distribution samples are the positives and the
    score is higher for in-distribution samples.

    Args:
        scores (ArrayLike): ``(N, )`` scores.
        positive (ArrayLike): ``(N, )`` booleans, True for positives.

    Returns:
        float: The AUROC in ``[0, 1]``; NaN when either class is empty.
    """
    scores = to_numpy(scores, np.float64).ravel()
    positive = to_numpy(positive, bool).ravel()
    num_pos, num_neg = int(positive.sum()), int((~positive).sum())
    if num_pos == 0 or num_neg == 0:
        return float('nan')
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2
    ranks = average_rank[inverse.ravel()]
    return float((ranks[positive].sum() - num_pos * (num_pos + 1) / 2) / (num_pos * num_neg))


def ood_score(logits: ArrayLike, kind: str = 'max_softmax', temperature: float = 1.0) -> np.ndarray:
    """The in-distribution score named ``kind`` (higher = more in-distribution).

    Args:
        logits (ArrayLike): ``(N, C)`` logits.
        kind (str): ``'max_softmax'``, ``'energy'`` or ``'max_logit'``. Defaults to
            ``'max_softmax'``.
        temperature (float): ``T`` of the energy score. Defaults to 1.0.

    Returns:
        np.ndarray: ``(N, )`` scores.
    """
    if kind == 'energy':
        return energy_score(logits, temperature)
    if kind == 'max_logit':
        return max_logit_score(logits)
    if kind == 'max_softmax':
        return max_softmax_score(logits)
    raise ValueError(f'ood score must be one of {OOD_SCORES}, got {kind!r}')
