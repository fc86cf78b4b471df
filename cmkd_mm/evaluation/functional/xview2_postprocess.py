"""xView2 test-time augmentation, ensembling and the submission rule of the 1st-place solution.

* :func:`flip_tta_average`: 4x flip test-time augmentation (identity, vertical flip, horizontal
  flip, both). The function is run on each flipped input, its output is flipped back and the
  four outputs are averaged. Works on numpy arrays and torch tensors (flips act on the last two
  axes, ``... x H x W``).
* :func:`ensemble_average`: equal-weight mean of the probability maps of several models.
* :func:`submission_maps`: localisation and damage maps from the averaged probabilities::

      dmg = argmax(p[1:]) + 1
      loc = (L > t0) | ((L > t1) & dmg in {2, 3}) | ((L > t2) & dmg > 1)
      dmg = dmg * loc
      minor = dilation(dmg == 2, square(dilate))
      dmg[minor & (dmg == 1)] = 2                     # no-damage next to minor becomes minor

  ``L`` is the building probability (``H x W``), ``p`` the 5 damage probabilities
  (``5 x H x W``: background, no, minor, major damage, destroyed); the thresholds default to
  ``(0.38, 0.13, 0.14)``. The 1st-place code writes the last line as
  ``dmg[_msk & dmg == 1] = 2``; Python evaluates ``&`` before ``==``, so it selects
  ``(_msk & dmg) == 1``, and since ``_msk`` is 0/1 that is true for classes 1 **and 3** (odd
  values) inside the dilated region: major damage there is also relabelled minor.
  ``original_precedence=True`` reproduces that; the default applies the rule as intended (class 1
  only).
"""
from typing import Callable, Optional, Sequence, Tuple, TypeVar

import cv2
import numpy as np

from ...utils.deprecation import deprecated_alias
from .arrays import ArrayLike, to_numpy

T = TypeVar('T')

#: The four flips of :func:`flip_tta_average`: axes of ``... x H x W`` (-2 vertical, -1
#: horizontal) flipped on the way in and again on the way out.
FLIPS: Tuple[Tuple[int, ...], ...] = ((), (-2, ), (-1, ), (-2, -1))
SUBMISSION_THRESHOLDS = (0.38, 0.13, 0.14)


def _flip(x, axes: Tuple[int, ...]):
    """``x`` flipped along ``axes``; numpy arrays and torch tensors alike."""
    if not axes:
        return x
    if isinstance(x, np.ndarray):
        return np.flip(x, axis=axes)
    return x.flip(dims=axes)  # torch.Tensor


def flip_tta_average(prob_fn: Callable[[T], T],
                     x: T,
                     flips: Sequence[Tuple[int, ...]] = FLIPS) -> T:
    """Mean of ``flip(prob_fn(flip(x)))`` over the flips (each flip is its own inverse).

    Args:
        prob_fn (Callable): Maps an input ``... x H x W`` to an output ``... x H x W`` (e.g. a
            model's probabilities at the input size).
        x (np.ndarray | torch.Tensor): The input; its last two axes are height and width.
        flips (Sequence[tuple[int, ...]]): Axes flipped per pass. Default :data:`FLIPS`:
            identity, vertical, horizontal and both.

    Returns:
        Same type as ``prob_fn``'s output: the average of the flipped-back outputs.
    """
    flips = list(flips)
    if not flips:
        raise ValueError('flip_tta_average: no flips given')
    total = None
    for axes in flips:
        out = _flip(prob_fn(_flip(x, tuple(axes))), tuple(axes))
        total = out if total is None else total + out
    return total / len(flips)


def ensemble_average(prob_maps: Sequence[ArrayLike]) -> np.ndarray:
    """Equal-weight mean of the probability maps of several models (all of one shape).

    Returns:
        np.ndarray: float32 mean, the maps' shape.
    """
    maps = [to_numpy(p).astype(np.float32) for p in prob_maps]
    if not maps:
        raise ValueError('ensemble_average: no probability maps given')
    shapes = {m.shape for m in maps}
    if len(shapes) != 1:
        raise ValueError(f'ensemble_average: maps of different shapes {sorted(shapes)}')
    return np.mean(np.stack(maps), axis=0)


def submission_maps(loc_prob: ArrayLike,
                    dmg_prob: ArrayLike,
                    thresholds: Sequence[float] = SUBMISSION_THRESHOLDS,
                    dilate: int = 5,
                    original_precedence: Optional[bool] = None,
                    seed_precedence: Optional[bool] = None) -> Tuple[np.ndarray, np.ndarray]:
    """The submission's localisation and damage maps (see the module docstring for the rule).

    Args:
        loc_prob (ArrayLike): ``H x W`` building probability.
        dmg_prob (ArrayLike): ``5 x H x W`` damage probabilities (background, then classes
            1-4); only the order of channels 1-4 matters.
        thresholds (Sequence[float]): ``(t0, t1, t2)``: building when ``L > t0``, or
            ``L > t1`` with minor or major damage, or ``L > t2`` with any damage above
            no-damage. Defaults to ``(0.38, 0.13, 0.14)``.
        dilate (int): Side of the square that grows the minor-damage region; 0 skips the
            minor-damage step. Defaults to 5.
        original_precedence (bool, optional): Relabel ``(region & dmg) == 1`` (classes 1 and
            3) inside the grown region as the 1st-place xView2 code does, instead of class 1
            only. Defaults to False.
        seed_precedence (bool, optional): Deprecated name of ``original_precedence``.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``loc`` (uint8 0/1) and ``dmg`` (uint8 0-4), ``H x W``.
    """
    original_precedence = deprecated_alias('seed_precedence', 'original_precedence',
                                           seed_precedence, original_precedence, 'submission_maps')
    loc_prob = to_numpy(loc_prob).astype(np.float32)
    dmg_prob = to_numpy(dmg_prob)
    while loc_prob.ndim > 2 and loc_prob.shape[0] == 1:
        loc_prob = loc_prob[0]
    if loc_prob.ndim != 2:
        raise ValueError(f'submission_maps: loc_prob must be H x W, got {loc_prob.shape}')
    if dmg_prob.ndim != 3 or dmg_prob.shape[0] != 5 or dmg_prob.shape[1:] != loc_prob.shape:
        raise ValueError(f'submission_maps: dmg_prob must be 5 x H x W with H x W = '
                         f'{loc_prob.shape}, got {dmg_prob.shape}')
    thresholds = tuple(float(t) for t in thresholds)
    if len(thresholds) != 3:
        raise ValueError(f'submission_maps: thresholds must be 3 values, got {thresholds}')
    if int(dilate) < 0:
        raise ValueError(f'submission_maps: dilate must be >= 0, got {dilate}')
    t0, t1, t2 = thresholds

    dmg = (np.argmax(dmg_prob[1:], axis=0) + 1).astype(np.uint8)
    loc = (loc_prob > t0) | ((loc_prob > t1) & ((dmg == 2) | (dmg == 3))) | \
        ((loc_prob > t2) & (dmg > 1))
    loc = loc.astype(np.uint8)
    dmg = dmg * loc
    if dilate:
        kernel = np.ones((int(dilate), int(dilate)), np.uint8)
        minor = cv2.dilate((dmg == 2).astype(np.uint8), kernel)  # outside the tile: no effect
        if original_precedence:
            relabel = (minor & dmg) == 1  # the 1st-place `_msk & dmg == 1`
        else:
            relabel = (minor > 0) & (dmg == 1)
        dmg[relabel] = 2
    return loc, dmg.astype(np.uint8)
