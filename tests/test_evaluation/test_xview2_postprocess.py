"""xView2 flip TTA, ensemble averaging and the 1st-place submission rule against hand examples."""
import numpy as np
import pytest
import torch

from cmkd_mm.evaluation.functional.xview2_postprocess import (FLIPS, ensemble_average,
                                                              flip_tta_average, submission_maps)
from cmkd_mm.utils import deprecation


def test_flip_tta_of_a_flip_equivariant_function_is_the_function():
    x = np.random.default_rng(0).random((2, 5, 7))
    calls = []

    def square(a):
        calls.append(a.copy())
        return a**2

    out = flip_tta_average(square, x)
    assert np.allclose(out, x**2)
    # identity, vertical (rows reversed), horizontal (columns reversed), both
    expected_inputs = [x, x[:, ::-1], x[:, :, ::-1], x[:, ::-1, ::-1]]
    assert len(calls) == 4 and FLIPS == ((), (-2, ), (-1, ), (-2, -1))
    for seen, want in zip(calls, expected_inputs):
        assert np.array_equal(seen, want)


def test_flip_tta_of_a_position_dependent_function_averages_the_flipped_back_outputs():
    x = np.random.default_rng(1).random((3, 4))
    ramp = np.arange(12, dtype=float).reshape(3, 4)  # not flip-equivariant: x + ramp
    out = flip_tta_average(lambda a: a + ramp, x)
    # flip(flip(x) + ramp) = x + flip(ramp): the average adds the mean of the flipped ramps
    want = x + (ramp + ramp[::-1] + ramp[:, ::-1] + ramp[::-1, ::-1]) / 4
    assert np.allclose(out, want)
    assert not np.allclose(out, x + ramp)
    # torch tensors (N x C x H x W) give the same numbers
    t = torch.from_numpy(x)[None, None]
    out_t = flip_tta_average(lambda a: a + torch.from_numpy(ramp), t)
    assert isinstance(out_t, torch.Tensor) and out_t.shape == (1, 1, 3, 4)
    assert np.allclose(out_t[0, 0].numpy(), want)
    # one flip only: the identity
    assert np.allclose(flip_tta_average(lambda a: a + ramp, x, flips=[()]), x + ramp)
    with pytest.raises(ValueError, match='no flips'):
        flip_tta_average(lambda a: a, x, flips=[])


def test_ensemble_average_is_the_equal_weight_mean():
    rng = np.random.default_rng(2)
    maps = [rng.random((5, 4, 4)) for _ in range(3)]
    out = ensemble_average(maps)
    assert out.dtype == np.float32 and out.shape == (5, 4, 4)
    assert np.allclose(out, (maps[0] + maps[1] + maps[2]) / 3, atol=1e-6)
    assert np.allclose(ensemble_average([torch.ones(2, 2), torch.zeros(2, 2)]), 0.5)
    assert np.array_equal(ensemble_average([maps[0]]), maps[0].astype(np.float32))
    with pytest.raises(ValueError, match='different shapes'):
        ensemble_average([np.zeros((2, 2)), np.zeros((3, 3))])
    with pytest.raises(ValueError, match='no probability maps'):
        ensemble_average([])


# The hand-made 6x6 tile: the damage argmax (classes 1-4), the building probability, and the
# expected maps under the default thresholds (0.38, 0.13, 0.14) with a 5x5 dilation.
ARGMAX = np.array([[2, 1, 1, 1, 1, 1], [1, 3, 1, 1, 1, 1], [1, 1, 4, 1, 1, 1], [1, 1, 1, 1, 1, 1],
                   [4, 2, 3, 4, 3, 1], [1, 1, 1, 1, 1, 1]])
LOC_PROB = np.full((6, 6), 0.9)
# row 4: destroyed at 0.2 (> t2), minor / major at 0.135 (> t1), destroyed at 0.135 (< t2),
# major at 0.12 (< t1), no-damage at 0.3 (< t0); and a no-damage pixel at 0.
LOC_PROB[4] = [0.2, 0.135, 0.135, 0.135, 0.12, 0.3]
LOC_PROB[5, 5] = 0.0
LOC = np.array([[1, 1, 1, 1, 1, 1]] * 4 + [[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 0]])
MASKED = np.array([[2, 1, 1, 1, 1, 1], [1, 3, 1, 1, 1, 1], [1, 1, 4, 1, 1, 1], [1, 1, 1, 1, 1, 1],
                   [4, 2, 3, 0, 0, 0], [1, 1, 1, 1, 1, 0]])
# Minor pixels (0, 0) and (4, 1) grown by 5x5: rows 0-2 x cols 0-2 and rows 2-5 x cols 0-3.
CORRECT = np.array([[2, 2, 2, 1, 1, 1], [2, 3, 2, 1, 1, 1], [2, 2, 4, 2, 1, 1], [2, 2, 2, 2, 1, 1],
                    [4, 2, 3, 0, 0, 0], [2, 2, 2, 2, 1, 0]])
ORIGINAL = CORRECT.copy()
ORIGINAL[1, 1] = 2  # major damage inside the grown region becomes minor too
ORIGINAL[4, 2] = 2


def _damage_probs(argmax: np.ndarray) -> np.ndarray:
    """5 x H x W probabilities whose argmax over channels 1-4 is ``argmax``; channel 0 (the
    background) is the largest everywhere, which the rule ignores."""
    probs = np.full((5, ) + argmax.shape, 0.01)
    probs[0] = 0.9
    for cls in range(1, 5):
        probs[cls][argmax == cls] = 0.06
    return probs


def test_submission_maps_follow_the_rule_on_a_hand_made_tile():
    loc, dmg = submission_maps(LOC_PROB, _damage_probs(ARGMAX))
    assert loc.dtype == np.uint8 and dmg.dtype == np.uint8
    assert np.array_equal(loc, LOC)
    assert np.array_equal(dmg, CORRECT)
    # no minor step
    loc0, dmg0 = submission_maps(LOC_PROB, _damage_probs(ARGMAX), dilate=0)
    assert np.array_equal(loc0, LOC) and np.array_equal(dmg0, MASKED)
    # a 1x1 square grows nothing: the minor pixels have no no-damage pixel to take
    assert np.array_equal(submission_maps(LOC_PROB, _damage_probs(ARGMAX), dilate=1)[1], MASKED)


def test_original_precedence_relabels_classes_1_and_3_in_the_grown_region():
    loc, dmg = submission_maps(LOC_PROB, _damage_probs(ARGMAX), original_precedence=True)
    assert np.array_equal(loc, LOC)
    assert np.array_equal(dmg, ORIGINAL)
    # What Python makes of the 1st-place code's `_msk & dmg == 1` (a boolean mask, uint8 classes):
    # `&` binds tighter than `==`, so it is `(_msk & dmg) == 1`, true for odd classes in the mask
    _msk = np.ones(5, bool)
    classes = np.arange(5, dtype=np.uint8)
    assert (_msk & classes == 1).tolist() == [False, True, False, True, False]
    assert np.array_equal(_msk & classes == 1, (_msk & classes) == 1)
    # ... and the 1st-place code's statement on the masked tile gives ORIGINAL
    original_dmg = MASKED.astype(np.uint8)
    _msk = np.zeros((6, 6), bool)
    _msk[0:3, 0:3] = True
    _msk[2:6, 0:4] = True
    original_dmg[_msk & original_dmg == 1] = 2
    assert np.array_equal(original_dmg, ORIGINAL)


def test_seed_precedence_is_the_deprecated_name_of_original_precedence(monkeypatch):
    monkeypatch.setattr(deprecation, 'WARNED', set())
    probs = _damage_probs(ARGMAX)
    with pytest.warns(FutureWarning, match="submission_maps: 'seed_precedence' is deprecated"):
        assert np.array_equal(submission_maps(LOC_PROB, probs, seed_precedence=True)[1], ORIGINAL)
    with pytest.raises(ValueError, match='same option'):
        submission_maps(LOC_PROB, probs, original_precedence=False, seed_precedence=True)


def test_submission_thresholds():
    probs = _damage_probs(np.array([[1, 2, 3, 4]]))
    # no-damage needs t0; minor / major need t1 (or t2); destroyed needs t2
    for value, want in ((0.39, [1, 1, 1, 1]), (0.37, [0, 1, 1,
                                                      1]), (0.135, [0, 1, 1,
                                                                    0]), (0.125, [0, 0, 0, 0])):
        loc, dmg = submission_maps(np.full((1, 4), value), probs, dilate=0)
        assert loc.tolist() == [want], value
        assert dmg.tolist() == [[c * w for c, w in zip([1, 2, 3, 4], want)]]
    # thresholds given explicitly
    loc, _ = submission_maps(np.full((1, 4), 0.5), probs, thresholds=(0.6, 0.55, 0.45), dilate=0)
    assert loc.tolist() == [[0, 1, 1, 1]]
    loc, _ = submission_maps(np.full((1, 4), 0.5), probs, thresholds=(0.6, 0.4, 0.55), dilate=0)
    assert loc.tolist() == [[0, 1, 1, 0]]
    # strict inequalities: a probability equal to a threshold does not pass it
    loc, _ = submission_maps(np.full((1, 4), 0.38), probs, thresholds=(0.38, 0.38, 0.38))
    assert loc.tolist() == [[0, 0, 0, 0]]


def test_submission_maps_check_their_inputs():
    probs = _damage_probs(ARGMAX)
    with pytest.raises(ValueError, match='5 x H x W'):
        submission_maps(LOC_PROB, probs[:4])
    with pytest.raises(ValueError, match='5 x H x W'):
        submission_maps(LOC_PROB[:5], probs)
    with pytest.raises(ValueError, match='3 values'):
        submission_maps(LOC_PROB, probs, thresholds=(0.5, 0.5))
    with pytest.raises(ValueError, match='dilate'):
        submission_maps(LOC_PROB, probs, dilate=-1)
    # a 1 x H x W building map and torch inputs are accepted
    loc, dmg = submission_maps(torch.from_numpy(LOC_PROB)[None], torch.from_numpy(probs))
    assert np.array_equal(loc, LOC) and np.array_equal(dmg, CORRECT)
