"""MAVOC post-processing, OOD scores and submission files, on hand-made cases."""
import itertools

import numpy as np
import pytest
import torch

from cmkd_mm.evaluation.functional import (binary_auroc, cluster_by_features, cluster_by_id_gap,
                                           cluster_vote, confidence_balancing, energy_score,
                                           max_logit_score, max_softmax_score, name_order,
                                           numeric_image_id, read_submission, write_submission)
from cmkd_mm.utils import deprecation


def logits_of(probs) -> np.ndarray:
    """Logits whose softmax is ``probs`` (rows summing to 1)."""
    return np.log(np.asarray(probs, dtype=np.float64))


def same_partition(a, b) -> bool:
    """True when two cluster assignments group the samples identically."""
    a, b = np.asarray(a), np.asarray(b)
    pairs = itertools.combinations(range(len(a)), 2)
    return all((a[i] == a[j]) == (b[i] == b[j]) for i, j in pairs)


# ------------------------------------------------------------------ confidence balancing
def test_balancing_keeps_the_k_most_confident_and_moves_the_rest_to_their_second_best():
    probs = [[0.9, 0.05, 0.05], [0.8, 0.05, 0.15], [0.7, 0.2, 0.1], [0.6, 0.1, 0.3],
             [0.1, 0.8, 0.1]]
    pred, moved = confidence_balancing(logits_of(probs), k=2, classes=(0, ))
    assert pred.tolist() == [0, 0, 1, 2, 1]
    assert moved == {0: 2}


@pytest.mark.parametrize('k', [3, 4])
def test_balancing_with_k_or_fewer_predictions_moves_nothing(k):
    probs = [[0.9, 0.1], [0.6, 0.4], [0.55, 0.45], [0.2, 0.8]]
    pred, moved = confidence_balancing(logits_of(probs), k=k, classes=(0, 1))
    assert pred.tolist() == [0, 0, 0, 1]
    assert moved == {0: 0, 1: 0}


def test_balancing_keeps_every_sample_tied_with_the_kth_score():
    probs = [[0.9, 0.1], [0.7, 0.3], [0.7, 0.3], [0.6, 0.4]]
    pred, moved = confidence_balancing(logits_of(probs), k=2, classes=(0, ))
    assert pred.tolist() == [0, 0, 0, 1]  # 0.7 is the 2nd largest: both 0.7 stay
    assert moved == {0: 1}


def test_balancing_chains_moves_and_never_returns_to_a_left_class():
    probs = [
        [0.5, 0.3, 0.2],  # A: moves 0 -> 1, then 1 -> 2 (class 0 is closed)
        [0.6, 0.1, 0.3],  # B: the kept prediction of class 0
        [0.1, 0.6, 0.3]
    ]  # C: the kept prediction of class 1
    for mode in ('softmax', 'original'):
        pred, moved = confidence_balancing(logits_of(probs), k=1, classes=(0, 1), second_best=mode)
        assert pred.tolist() == [2, 0, 1]
        assert moved == {0: 1, 1: 1}
    # classes not listed are left alone
    pred, moved = confidence_balancing(logits_of(probs), k=1, classes=(1, ))
    assert pred.tolist() == [0, 0, 1] and moved == {1: 0}


def test_balancing_original_mode_tie_quirks():
    # first class processed: the NTIRE 2021 code takes the 2nd largest *distinct* raw logit
    logits = np.array([[5., 0., 0.], [2., 2., 1.]])
    assert confidence_balancing(logits, k=1, classes=(0, ))[0].tolist() == [0, 1]
    assert confidence_balancing(logits, k=1, classes=(0, ), second_best='original')[0].tolist() \
        == [0, 2]
    # later classes: the 2nd largest softmax value counting repeats and its first index, which
    # is the class itself when it ties with another: the sample stays but counts as moved
    logits = np.array([[0., 5., 0.], [0., 3., 3.]])
    pred, moved = confidence_balancing(logits, k=1, classes=(0, 1), second_best='original')
    assert pred.tolist() == [1, 1] and moved == {0: 0, 1: 1}
    pred, moved = confidence_balancing(logits, k=1, classes=(0, 1))
    assert pred.tolist() == [1, 2] and moved == {0: 0, 1: 1}


def _original_notebook_balancing(logits: np.ndarray, k: int, classes):
    """The NTIRE 2021 notebook's loops, restated: torch softmax, a Python set of the raw logits
    for the first class and a set of the (modified) softmax entries for the others."""
    raw = logits.astype(np.float32)
    soft = torch.softmax(torch.from_numpy(raw), dim=1)
    pred = np.argmax(raw, axis=1)
    counts = []
    for step, cls in enumerate(classes):
        val = sorted(soft[i][cls].item() for i in range(len(pred)) if pred[i] == cls)[-k]
        counter = 0
        for i in range(len(pred)):
            if pred[i] == cls and soft[i][cls] < val:
                row = raw[i] if step == 0 else soft[i]
                values = set(row)
                values.remove(max(values))
                pred[i] = list(row.tolist()).index(max(values))
                soft[i][cls] = -100.0
                counter += 1
        counts.append(counter)
    return pred, counts


def test_balancing_agrees_with_the_original_loops_on_random_logits():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(300, 10)).astype(np.float32)
    logits[:, :4] += 1.5  # classes 0-3 over-predicted, as in the NTIRE 2021 code
    expected_pred, expected_counts = _original_notebook_balancing(logits, 20, (0, 1, 2, 3))
    for mode in ('original', 'softmax'):
        pred, moved = confidence_balancing(logits, k=20, second_best=mode)
        assert pred.tolist() == expected_pred.tolist()
        assert [moved[c] for c in (0, 1, 2, 3)] == expected_counts
    assert sum(expected_counts) > 0


def test_seed_is_the_deprecated_name_of_original(monkeypatch):
    """``second_best='seed'`` and ``tie_break='seed'`` (the old names, e.g. in a recipe's
    ``postprocess``) still work: they warn once and mean ``'original'``."""
    monkeypatch.setattr(deprecation, 'WARNED', set())
    logits = np.array([[5., 0., 0.], [2., 2., 1.]])
    with pytest.warns(FutureWarning, match="'seed' is deprecated .* use 'original'"):
        old = confidence_balancing(logits, k=1, classes=(0, ), second_best='seed')[0]
    assert old.tolist() == [0, 2]
    with pytest.warns(FutureWarning, match="cluster_vote\\(tie_break\\): 'seed' is deprecated"):
        old = cluster_vote([9, 1], [0.99, 0.98], [0, 0], tie_break='seed', order=[0, 1])
    assert old[0].tolist() == cluster_vote([9, 1], [0.99, 0.98], [0, 0], order=[0, 1])[0].tolist()
    with pytest.raises(ValueError, match='second_best'):
        confidence_balancing(logits, second_best='seeds')


# ------------------------------------------------------------------ OOD scores and AUROC
def _pytorch_ood_energy(logits: torch.Tensor, t: float) -> torch.Tensor:
    """pytorch-ood's ``EnergyBased.score`` (an outlier score: higher = more OOD).

    pytorch-ood is not a dependency; without it this is its documented formula
    ``E(x) = -T * logsumexp(logits / T)`` (src/pytorch_ood/detector/energy.py).
    """
    try:
        from pytorch_ood.detector import EnergyBased
    except ImportError:
        return -t * torch.logsumexp(logits / t, dim=1)
    return EnergyBased.score(logits, t=t)


@pytest.mark.parametrize('T', [1.0, 2.5])
def test_energy_score_is_minus_the_pytorch_ood_energy(T):
    rng = np.random.default_rng(1)
    in_dist = torch.from_numpy(rng.normal(size=(20, 10)) + 6 * np.eye(10)[rng.integers(0, 10, 20)])
    ood = torch.from_numpy(rng.normal(size=(20, 10)) * 0.3)
    logits = torch.cat([in_dist, ood])
    is_id = np.r_[np.ones(20, bool), np.zeros(20, bool)]
    ours = energy_score(logits, T=T)
    outlier = _pytorch_ood_energy(logits, T).numpy()
    np.testing.assert_allclose(ours, -outlier, rtol=1e-10)
    np.testing.assert_allclose(ours, T * torch.logsumexp(logits / T, 1).numpy(), rtol=1e-10)
    # higher = in-distribution for ours, higher = OOD for pytorch-ood: same AUROC each way
    assert binary_auroc(ours, is_id) > 0.9
    assert binary_auroc(ours, is_id) == pytest.approx(binary_auroc(outlier, ~is_id))
    # large logits do not overflow
    assert energy_score(np.array([[1000., 0.]]))[0] == pytest.approx(1000.)


def test_max_softmax_and_max_logit_scores():
    logits = np.array([[2., 0., 0.], [1., 1., 1.]])
    np.testing.assert_allclose(max_softmax_score(logits), [np.exp(2) / (np.exp(2) + 2), 1 / 3])
    np.testing.assert_allclose(max_logit_score(torch.tensor(logits)), [2., 1.])


def _pairwise_auroc(scores, positive) -> float:
    pos = [s for s, p in zip(scores, positive) if p]
    neg = [s for s, p in zip(scores, positive) if not p]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


def test_auroc_matches_brute_force_pairs_with_ties():
    scores = [0.9, 0.8, 0.8, 0.7, 0.5, 0.5, 0.5, 0.1]
    positive = [1, 1, 0, 1, 0, 1, 0, 0]
    # positives 0.9, 0.8, 0.7, 0.5 against negatives 0.8, 0.5, 0.5, 0.1:
    # 4 + (3 + 1/2) + 3 + (1 + 2 x 1/2) = 12.5 of 16 pairs
    assert binary_auroc(scores, positive) == pytest.approx(12.5 / 16)
    assert _pairwise_auroc(scores, positive) == pytest.approx(12.5 / 16)
    rng = np.random.default_rng(2)
    for _ in range(5):
        scores = rng.integers(0, 6, size=40).astype(float)  # many ties
        positive = rng.random(40) < 0.4
        assert binary_auroc(scores, positive) == pytest.approx(_pairwise_auroc(scores, positive))
    assert np.isnan(binary_auroc([0.1, 0.2], [True, True]))


def test_auroc_matches_sklearn():
    metrics = pytest.importorskip('sklearn.metrics')
    rng = np.random.default_rng(3)
    scores, positive = rng.integers(0, 10, 50).astype(float), rng.random(50) < 0.5
    assert binary_auroc(scores, positive) == pytest.approx(metrics.roc_auc_score(positive, scores))


# ------------------------------------------------------------------ clustering and voting
def test_numeric_image_id():
    assert numeric_image_id('Gotcha123.png') == 123
    assert numeric_image_id('/data/test/EO_0047.png') == 47
    with pytest.raises(ValueError):
        numeric_image_id('noid.png')


def test_cluster_by_id_gap_numeric_splits_only_above_the_gap():
    ids = [1000, 5, 110, 220, 221, 105, 1101]
    # sorted 5, 105 (gap 100: same), 110 | 220 (gap 110), 221 | 1000 | 1101 (gap 101)
    assert cluster_by_id_gap(ids, 100, order='numeric').tolist() == [2, 0, 0, 1, 1, 0, 3]
    assert cluster_by_id_gap(ids, 1000, order='numeric').tolist() == [0] * 7
    assert cluster_by_id_gap(np.array([], dtype=int)).tolist() == []
    with pytest.raises(ValueError, match='order'):
        cluster_by_id_gap(ids, order='sorted')


def _original_name_cluster(names, threshold=100):
    """The NJUST-KMG code's name_cluster walk, written out: sort the file names as strings, then
    start a new cluster where |id - previous id| > threshold. Returns one cluster index per name."""
    walk = sorted(names)
    cluster, previous, found = -1, None, {}
    for name in walk:
        image_id = int(name.split('.')[0][6:])
        if previous is None or abs(image_id - previous) > threshold:
            cluster += 1
        found[name], previous = cluster, image_id
    return [found[n] for n in names]


def test_cluster_by_id_gap_name_order_is_the_original_codes():
    names = [
        'Gotcha2.png', 'Gotcha1000.png', 'Gotcha1.png', 'Gotcha150.png', 'Gotcha99.png',
        'Gotcha1040.png', 'Gotcha101.png', 'Gotcha23.png'
    ]
    # string order: 1, 1000, 101, 1040, 150, 2, 23, 99 -> clusters {1}, {1000}, {101}, {1040},
    # {150}, {2, 23, 99}; numerically {1, 2, 23, 99, 101, 150}, {1000, 1040}
    by_name = cluster_by_id_gap(names, 100)
    assert by_name.tolist() == _original_name_cluster(names) == [5, 1, 0, 4, 5, 3, 2, 5]
    numeric = cluster_by_id_gap(names, 100, order='numeric')
    assert numeric.tolist() == [0, 1, 0, 0, 0, 1, 0, 0]
    # bare ids sort like the file names of one prefix ('.' sorts before every digit)
    bare = [n[6:-4] for n in names]
    assert cluster_by_id_gap(bare, 100).tolist() == by_name.tolist()
    assert name_order(bare).tolist() == name_order(names).tolist()


def test_cluster_vote_relabels_only_the_confident_samples():
    clusters = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3]
    labels = [3, 3, 5, 1, 2, 2, 4, 7, 4, 9]
    scores = [0.99, 0.97, 0.98, 0.5, 0.96, 0.999, 0.96, 0.96, 0.97, 0.95]
    new_labels, new_scores = cluster_vote(
        labels, scores, clusters, threshold=0.95, tie_break='smallest')
    # cluster 0: voters 3, 3, 5 -> 3; distinct scores -> the smallest, 0.97; the 0.5 keeps
    # cluster 1: 2, 2, 4 -> 2; 0.96 appears twice -> 0.96
    # cluster 2: a 7-4 tie -> 4; cluster 3: 0.95 is not > 0.95 -> unchanged
    assert new_labels.tolist() == [3, 3, 3, 1, 2, 2, 2, 4, 4, 9]
    np.testing.assert_allclose(new_scores,
                               [0.97, 0.97, 0.97, 0.5, 0.96, 0.96, 0.96, 0.96, 0.96, 0.95])
    # the inputs are not modified
    assert labels[2] == 5 and scores[0] == 0.99


def _original_vote(values):
    return max(set(values), key=values.count)


def test_cluster_vote_original_tie_break_follows_the_set_order():
    # 1 and 9 share a slot of the set's 8-slot table: the first listed comes first and wins
    for order, winner in (([0, 1], 9), ([1, 0], 1)):
        new_labels, _ = cluster_vote([9, 1], [0.99, 0.98], [0, 0], order=order)
        assert new_labels.tolist() == [winner, winner]
        assert winner == _original_vote([[9, 1][i] for i in order])
    # a majority wins whatever the order; the smallest rule picks 1 on the tie
    assert cluster_vote([9, 1, 9], [0.99] * 3, [0] * 3)[0].tolist() == [9, 9, 9]
    assert cluster_vote([9, 1], [0.99, 0.98], [0, 0], tie_break='smallest',
                        order=[0, 1])[0].tolist() == [1, 1]
    # scores: all different, so every one is modal; the original pick is the set's first
    scores = [0.991, 0.97, 0.96]
    _, new_scores = cluster_vote([0, 0, 0], scores, [0, 0, 0], order=[2, 0, 1])
    assert new_scores.tolist() == [_original_vote([0.96, 0.991, 0.97])] * 3
    with pytest.raises(ValueError, match='permutation'):
        cluster_vote([0, 0], [0.99, 0.99], [0, 0], order=[0, 0])
    with pytest.raises(ValueError, match='tie_break'):
        cluster_vote([0], [0.99], [0], tie_break='largest')


def test_cluster_by_features_threshold_is_single_linkage():
    ids = np.array([1000, 5, 110, 220, 221, 105, 1101])
    clusters = cluster_by_features(ids[:, None].astype(float), distance_threshold=100)
    assert same_partition(clusters, cluster_by_id_gap(ids, 100, order='numeric'))
    assert clusters.tolist() == [0, 1, 1, 2, 2, 1, 3]  # numbered by first sample


def test_cluster_by_features_kmeans_finds_separated_blobs():
    rng = np.random.default_rng(4)
    truth = rng.integers(0, 3, 60)
    centers = np.array([[0., 0., 0.], [10., 0., 0.], [0., 10., 0.]])
    features = centers[truth] + rng.normal(scale=0.5, size=(60, 3))
    clusters = cluster_by_features(torch.from_numpy(features), n_clusters=3)
    assert same_partition(clusters, truth)
    assert clusters[0] == 0
    with pytest.raises(ValueError):
        cluster_by_features(features)
    with pytest.raises(ValueError):
        cluster_by_features(features, n_clusters=2, distance_threshold=1.)


# ------------------------------------------------------------------ submission files
def test_submission_2021_round_trip(tmp_path):
    path = str(tmp_path / 'sub' / 'results.csv')
    write_submission(path, ['12', 7, '0031'], torch.tensor([3, 0, 9]))
    with open(path) as file:
        assert file.read().splitlines() == ['image_id,class_id', '12,3', '7,0', '0031,9']
    assert read_submission(path) == dict(image_id=['12', '7', '0031'], class_id=[3, 0, 9])


def test_submission_2024_round_trip_keeps_scores_exactly(tmp_path):
    path = str(tmp_path / 'results.csv')
    scores = np.array([0.123456789012345, 1.0, 1e-7])
    write_submission(path, ['Gotcha1.png', 'Gotcha20.png', 'Gotcha3.png'], [1, 2, 3], scores)
    with open(path) as file:
        assert file.readline().strip() == 'image_id,class_id,score'
    result = read_submission(path)
    assert result['image_id'] == ['Gotcha1.png', 'Gotcha20.png', 'Gotcha3.png']
    assert result['class_id'] == [1, 2, 3]
    assert result['score'] == scores.tolist()
    with pytest.raises(ValueError):
        write_submission(path, ['a'], [1, 2])
