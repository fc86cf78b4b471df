"""XView2Metric and the functional xView2 score against a scorer written here from the rules.

``reference_scores`` re-implements the challenge scorer's rules pixel by pixel with plain Python
loops (it calls nothing of ``cmkd_mm``): localisation TP/FP/FN over all pixels (> 0 = building),
damage predictions zeroed where no building is predicted, damage scored on target buildings
only, per-class counts summed over all tiles, F1 = 0 when TP = 0, harmonic mean with 1e-6,
score = 0.3 loc + 0.7 damage.
"""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample
from PIL import Image

from cmkd_mm.evaluation import XView2Metric
from cmkd_mm.evaluation.functional import (accumulate, tile_counts, tile_id_from_path,
                                           write_xview2_submission, xview2_scores)
from cmkd_mm.evaluation.functional.xview2 import harmonic_mean, precision_recall_f1

NAMES = ['no_damage', 'minor_damage', 'major_damage', 'destroyed']
H = W = 16


# ---------------------------------------------------------------- independent reference scorer
def _f1(tp, fp, fn):
    if tp == 0:
        return 0.0
    p, r = tp / (tp + fp), tp / (tp + fn)
    return 2 * p * r / (p + r)


def reference_scores(tiles, presence_rule=False):
    """tiles: list of (loc_pred, dmg_pred, loc_target, dmg_target) integer arrays (0-4)."""
    ltp = lfp = lfn = 0
    dtp, dfp, dfn = [0] * 5, [0] * 5, [0] * 5
    for lp, dp, lt, dt in tiles:
        rows, cols = lt.shape
        tile = {c: [0, 0, 0] for c in range(1, 5)}
        present = set()
        for y in range(rows):
            for x in range(cols):
                p_b, t_b = int(lp[y, x]) > 0, int(lt[y, x]) > 0
                ltp += p_b and t_b
                lfp += p_b and not t_b
                lfn += t_b and not p_b
                if int(dt[y, x]) == 0:
                    continue  # damage only on target buildings
                d_p = int(dp[y, x]) if p_b else 0
                d_t = int(dt[y, x])
                present.add(d_t)
                for c in range(1, 5):
                    tile[c][0] += d_p == c and d_t == c
                    tile[c][1] += d_p == c and d_t != c
                    tile[c][2] += d_t == c and d_p != c
        for c in range(1, 5):
            if presence_rule and c not in present:
                continue
            dtp[c] += tile[c][0]
            dfp[c] += tile[c][1]
            dfn[c] += tile[c][2]
    lf1 = _f1(ltp, lfp, lfn)
    f1s = [_f1(dtp[c], dfp[c], dfn[c]) for c in range(1, 5)]
    df1 = 4 / sum(1 / (f + 1e-6) for f in f1s)
    out = dict(
        score=0.3 * lf1 + 0.7 * df1,
        damage_f1=df1,
        localization_f1=lf1,
        localization_iou=ltp / (ltp + lfp + lfn) if ltp else 0.0)
    out.update({f'damage_f1_{n}': f for n, f in zip(NAMES, f1s)})
    return out


# ---------------------------------------------------------------- hand-made tiles
def hand_tiles():
    """Four 16x16 tiles: misses, false positives, absent classes, no buildings, masked damage."""
    tiles = []
    # Tile A: all four classes; one building missed, one false building, some wrong classes.
    dt = np.zeros((H, W), np.int64)
    dt[1:4, 1:4], dt[1:4, 6:9], dt[6:9, 1:4], dt[6:9, 6:9] = 1, 2, 3, 4
    dt[12:15, 12:15] = 1
    lt = (dt > 0).astype(np.int64)
    dp = dt.copy()
    dp[1:4, 6:9] = 3  # minor predicted as major
    dp[6, 6:9] = 2  # part of destroyed predicted minor
    lp = (dp > 0).astype(np.int64)
    lp[12:15, 12:15] = 0  # building missed (damage there masked by loc)
    lp[10:12, 0:3] = 1  # false building
    dp[10:12, 0:3] = 4
    tiles.append((lp, dp, lt, dt))
    # Tile B: only no-damage buildings; predicted destroyed/minor pixels are FPs of those
    # classes on a tile without them.
    dt = np.zeros((H, W), np.int64)
    dt[2:8, 2:8] = 1
    lt = (dt > 0).astype(np.int64)
    dp = dt.copy()
    dp[2:4, 2:8] = 4
    dp[7, 2:8] = 2
    lp = lt.copy()
    tiles.append((lp, dp, lt, dt))
    # Tile C: no buildings at all, a few false positives.
    dt = np.zeros((H, W), np.int64)
    lt = dt.copy()
    lp = dt.copy()
    lp[0:2, 0:2] = 1
    dp = lp * 3
    tiles.append((lp, dp, lt, dt))
    # Tile D: damage predicted where loc says background (must be masked), loc target slightly
    # different from the damage target (scoring follows the damage target).
    dt = np.zeros((H, W), np.int64)
    dt[4:12, 4:12] = 3
    dt[4:6, 4:12] = 2
    lt = (dt > 0).astype(np.int64)
    lt[4, 4:12] = 0
    dp = np.full((H, W), 3, np.int64)  # damage head says "major" everywhere
    lp = np.zeros((H, W), np.int64)
    lp[6:12, 4:12] = 1  # only part of the building found
    tiles.append((lp, dp, lt, dt))
    return tiles


def sample(pred, gt_loc=None, gt_dmg=None, gt_sem_seg=None, **metainfo) -> dict:
    ds = SegDataSample(metainfo=dict(img_path='data/test_post_00007.png', **metainfo))
    ds.pred_sem_seg = PixelData(data=torch.as_tensor(np.asarray(pred), dtype=torch.int64)[None])
    for key, value in dict(gt_loc=gt_loc, gt_dmg=gt_dmg, gt_sem_seg=gt_sem_seg).items():
        if value is not None:
            ds.set_field(PixelData(data=torch.as_tensor(np.asarray(value))[None]), key)
    return ds.to_dict()


def run(metric, samples):
    metric.process(data_batch={}, data_samples=samples)
    return metric.evaluate(len(samples))


def damage_model_output(lp, dp):
    """A damage model's single map: the damage class where a building is predicted, else 0."""
    return np.where(lp > 0, dp, 0)


def assert_close(ours, expected):
    for key, value in expected.items():
        assert ours[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key


# ---------------------------------------------------------------- functional module
def test_functional_matches_reference():
    tiles = hand_tiles()
    counts = [tile_counts(*t) for t in tiles]
    expected = reference_scores(tiles)
    scores = xview2_scores(accumulate(counts))
    assert_close(scores, expected)
    assert list(scores)[:7] == [
        'score', 'damage_f1', 'localization_f1', 'damage_f1_no_damage', 'damage_f1_minor_damage',
        'damage_f1_major_damage', 'damage_f1_destroyed'
    ]
    # A sequence of per-tile counts is accumulated by xview2_scores itself.
    assert xview2_scores(counts) == scores
    # Hand-checked counts of tile D: loc TP 48 (rows 6-11), FN 8 (row 5); damage masked by loc.
    d = counts[3]
    assert (d['loc_tp'], d['loc_fp'], d['loc_fn']) == (48, 0, 8)
    assert d['dmg_tp'] == [0, 0, 48, 0]
    assert d['dmg_fn'] == [0, 16, 0, 0]  # minor rows 4-5: masked to 0 / predicted major
    assert d['dmg_fp'] == [0, 0, 0, 0]  # row 4-5 are masked (no loc), so no major FP there
    # Tile C has no target buildings: no damage pixel is scored at all.
    assert counts[2]['dmg_tp'] == counts[2]['dmg_fp'] == counts[2]['dmg_fn'] == [0] * 4
    assert counts[2]['loc_fp'] == 4


def test_presence_rule_matches_first_release_rule():
    tiles = hand_tiles()
    counts = [tile_counts(*t) for t in tiles]
    default, rule = accumulate(counts), accumulate(counts, presence_rule=True)
    # Tile B has only class 1: its destroyed/minor false positives count only by default.
    assert default['dmg_fp'][3] - rule['dmg_fp'][3] == 12
    assert default['dmg_fp'][1] - rule['dmg_fp'][1] == 6
    assert_close(xview2_scores(rule), reference_scores(tiles, presence_rule=True))
    assert xview2_scores(rule)['damage_f1'] != xview2_scores(default)['damage_f1']


def test_random_tiles_match_reference():
    rng = np.random.default_rng(0)
    tiles = []
    for _ in range(3):
        dt = rng.integers(0, 5, (H, W)) * (rng.random((H, W)) < 0.5)
        lt = (dt > 0).astype(np.int64)
        lp = (rng.random((H, W)) < 0.5).astype(np.int64)
        dp = rng.integers(0, 5, (H, W))
        tiles.append((lp, dp, lt, dt))
    for rule in (False, True):
        assert_close(
            xview2_scores([tile_counts(*t) for t in tiles], presence_rule=rule),
            reference_scores(tiles, presence_rule=rule))


def test_f1_zero_cases_and_epsilon():
    assert precision_recall_f1(0, 0, 0) == (0.0, 0.0, 0.0)  # 0/0 is 0, never NaN
    assert precision_recall_f1(0, 5, 3) == (0.0, 0.0, 0.0)
    assert precision_recall_f1(3, 1, 0) == (0.75, 1.0, pytest.approx(6 / 7))
    assert harmonic_mean([1, 1, 1, 1]) == pytest.approx(1 / (1 + 1e-6)**-1)
    assert harmonic_mean([1, 1, 1, 0]) == pytest.approx(4 / (3 / (1 + 1e-6) + 1e6))
    # Perfect prediction except that one class never appears: damage F1 ~ 4e-6.
    dt = np.zeros((H, W), np.int64)
    dt[0:4], dt[4:8], dt[8:12] = 1, 2, 3
    lt = (dt > 0).astype(np.int64)
    scores = xview2_scores([tile_counts(lt, dt, lt, dt)])
    assert scores['localization_f1'] == scores['localization_iou'] == 1.0
    assert scores['damage_f1_destroyed'] == 0.0
    assert scores['damage_f1'] == pytest.approx(4 / (3 / (1 + 1e-6) + 1e6))
    assert scores['score'] == pytest.approx(0.3 + 0.7 * scores['damage_f1'])
    # Nothing anywhere: every F1 and the IoU are 0.
    zero = np.zeros((H, W), np.int64)
    empty = xview2_scores([tile_counts(zero, zero, zero, zero)])
    assert empty['localization_f1'] == empty['localization_iou'] == 0.0
    assert empty['damage_f1'] == pytest.approx(1e-6)


def test_ignore_pixels_are_never_scored():
    dt = np.zeros((H, W), np.int64)
    dt[0:4] = 2
    dt[4:6] = 255
    lt = np.where(dt == 255, 255, dt > 0)
    pred = np.zeros((H, W), np.int64)
    pred[0:6] = 2  # correct on buildings, "wrong" on the ignored rows
    counts = tile_counts(pred > 0, pred, lt, dt)
    assert (counts['loc_tp'], counts['loc_fp'], counts['loc_fn']) == (64, 0, 0)
    assert counts['dmg_tp'] == [0, 64, 0, 0] and counts['dmg_fp'] == [0] * 4


def test_value_checks():
    zero = np.zeros((H, W), np.int64)
    with pytest.raises(ValueError, match='0-4'):
        tile_counts(zero, zero + 5, zero, zero)
    with pytest.raises(ValueError, match='shapes'):
        tile_counts(zero, zero, zero[:8], zero)


# ---------------------------------------------------------------- XView2Metric
def test_metric_damage_task_matches_reference(mmseg_scope):
    tiles = hand_tiles()
    metric = METRICS.build(dict(type='XView2Metric'))  # as a config names it, in mmseg's scope
    assert isinstance(metric, XView2Metric)
    # The damage model outputs one map: the loc prediction is pred > 0.
    samples, ref_tiles = [], []
    for lp, dp, lt, dt in tiles:
        pred = damage_model_output(lp, dp)
        samples.append(sample(pred, gt_loc=lt, gt_dmg=dt))
        ref_tiles.append((pred > 0, pred, lt, dt))
    scores = run(metric, samples)
    assert_close(scores, reference_scores(ref_tiles))
    assert 'localization_precision' in scores


def test_metric_falls_back_to_gt_sem_seg():
    tiles = hand_tiles()
    samples, ref_tiles = [], []
    for lp, dp, _, dt in tiles:
        pred = damage_model_output(lp, dp)
        samples.append(sample(pred, gt_sem_seg=dt))
        ref_tiles.append((pred > 0, pred, dt > 0, dt))
    assert_close(run(XView2Metric(), samples), reference_scores(ref_tiles))


def test_metric_loc_task():
    tiles = hand_tiles()
    samples = [sample(lp, gt_loc=lt) for lp, _, lt, _ in tiles]
    scores = run(XView2Metric(task='loc', prefix='xview2'), samples)
    assert set(scores) == {
        'xview2/localization_f1', 'xview2/localization_iou', 'xview2/localization_precision',
        'xview2/localization_recall'
    }
    expected = reference_scores(tiles)
    assert scores['xview2/localization_f1'] == pytest.approx(expected['localization_f1'])
    assert scores['xview2/localization_iou'] == pytest.approx(expected['localization_iou'])
    # gt_sem_seg fallback for the loc task: > 0 is a building.
    fallback = run(XView2Metric(task='loc'), [sample(lp, gt_sem_seg=lt) for lp, _, lt, _ in tiles])
    assert fallback['localization_f1'] == pytest.approx(expected['localization_f1'])


def test_metric_shape_mismatch_names_the_sample():
    metric = XView2Metric()
    pred = np.zeros((H, W), np.int64)
    bad = sample(pred, gt_loc=np.zeros((8, 8)), gt_dmg=np.zeros((8, 8)), tile_id='00042')
    with pytest.raises(ValueError, match=r"test_post_00007\.png.*after any Resize"):
        metric.process({}, [bad])


def test_submission_writer(tmp_path):
    loc = np.zeros((H, W), np.int64)
    loc[2:5, 2:5] = 1
    dmg = loc * 3
    loc_path, dmg_path = write_xview2_submission(str(tmp_path / 'sub'), '00001', loc * 7, dmg)
    assert loc_path.endswith('test_localization_00001_prediction.png')
    assert dmg_path.endswith('test_damage_00001_prediction.png')
    for path, expected in ((loc_path, loc), (dmg_path, dmg)):
        with Image.open(path) as image:
            array = np.array(image)
        assert image.mode == 'L' and array.dtype == np.uint8 and array.shape == (H, W)
        np.testing.assert_array_equal(array, expected)
    hold = write_xview2_submission(str(tmp_path), 'abc', loc, dmg, split='hold')
    assert hold[0].endswith('hold_localization_abc_prediction.png')
    with pytest.raises(ValueError, match='0-4'):
        write_xview2_submission(str(tmp_path), 'x', loc, dmg + 5)
    assert tile_id_from_path('a/test_pre_00012.png') == '00012'
    assert tile_id_from_path('hurricane-harvey_00000007_post_disaster.png') == (
        'hurricane-harvey_00000007')


def test_metric_without_labels_only_writes(tmp_path):
    lp, dp, _, _ = hand_tiles()[0]
    pred = damage_model_output(lp, dp)
    samples = [sample(pred, tile_id='00003'), sample(pred)]  # second: id from img_path
    metric = XView2Metric(submission_dir=str(tmp_path))
    assert run(metric, samples) == {}
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        'test_damage_00003_prediction.png', 'test_damage_00007_prediction.png',
        'test_localization_00003_prediction.png', 'test_localization_00007_prediction.png'
    ]
    np.testing.assert_array_equal(
        np.array(Image.open(tmp_path / 'test_damage_00003_prediction.png')), pred)
    np.testing.assert_array_equal(
        np.array(Image.open(tmp_path / 'test_localization_00003_prediction.png')), pred > 0)
    # loc task: the damage file marks predicted buildings as "no damage".
    loc_dir = tmp_path / 'loc'
    run(XView2Metric(task='loc', submission_dir=str(loc_dir)), [sample(lp, tile_id='9')])
    np.testing.assert_array_equal(
        np.array(Image.open(loc_dir / 'test_damage_9_prediction.png')), lp > 0)
