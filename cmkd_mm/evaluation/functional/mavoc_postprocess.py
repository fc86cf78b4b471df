"""Post-processing, OOD scores and submission files of the MAVOC classification challenges.

* NTIRE 2021 (KD method 1 + post-processing): :func:`confidence_balancing`.
* PBVS 2024 (NJUST-KMG): the OOD scores :func:`max_softmax_score` (what their code submits),
  :func:`energy_score` (what their README describes), :func:`max_logit_score`; the grouping of
  test chips by image id, :func:`cluster_by_id_gap`, and the in-cluster voting
  :func:`cluster_vote`; :func:`cluster_by_features` for the feature clustering of their README.
* :func:`binary_auroc` (Mann-Whitney) for the challenge's AUROC, and
  :func:`write_submission` / :func:`read_submission` for the CSV files.

All functions take numpy arrays, lists or (CPU or GPU) tensors and return numpy arrays.
"""
import csv
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor, Sequence]


def _to_numpy(values: ArrayLike, dtype=None) -> np.ndarray:
    """A numpy copy of ``values`` (tensors are detached and moved to the CPU)."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    return np.array(values, dtype=dtype)


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, computed in float64."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


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

    Samples tied with ``val`` all stay, so a class may keep more than ``k`` (the seed's ``<``).
    A class with ``k`` or fewer predictions is left as it is (the seed's ``sorted(...)[-85]``
    would fail below 85). A sample may move several times (e.g. out of class 0 into class 1, then
    out of class 1 into its third-best class). Classes not in ``classes`` (4-9 in the seed) are
    never balanced.

    Next-best class:

    * ``'softmax'``: the argmax of the current ``p[i]`` with ``p[i, c] = -100`` (the first
      index among equal values), so classes already left are never chosen again.
    * ``'seed'``: the seed's quirk. For the first class of ``classes`` it takes the raw logits,
      the second-largest *distinct* value and the first index holding it; for the following
      classes the current softmax vector (with the ``-100`` entries), its second-largest value
      counting repeats, and the first index holding it. The two rules differ only when scores
      tie.

    Args:
        logits (ArrayLike): ``(N, C)`` logits.
        k (int): Predictions kept per balanced class. Defaults to 85.
        classes (Sequence[int]): Classes balanced, in order. Defaults to ``(0, 1, 2, 3)``.
        second_best (str): ``'softmax'`` or ``'seed'``. Defaults to ``'softmax'``.

    Returns:
        tuple[np.ndarray, dict[int, int]]: The new predictions ``(N, )`` and, for every class of
        ``classes``, the number of samples moved out of it.
    """
    if second_best not in ('softmax', 'seed'):
        raise ValueError(f"second_best must be 'softmax' or 'seed', got {second_best!r}")
    logits = _to_numpy(logits, np.float64)
    scores = _softmax(logits)
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
    scaled = _to_numpy(logits, np.float64) / T
    peak = scaled.max(axis=1)
    return T * (peak + np.log(np.exp(scaled - peak[:, None]).sum(axis=1)))


def max_softmax_score(logits: ArrayLike) -> np.ndarray:
    """Maximum softmax probability, higher = more in-distribution (NJUST-KMG's submitted score).

    Args:
        logits (ArrayLike): ``(N, C)`` logits.

    Returns:
        np.ndarray: ``(N, )`` scores in ``(0, 1]``.
    """
    return _softmax(_to_numpy(logits, np.float64)).max(axis=1)


def max_logit_score(logits: ArrayLike) -> np.ndarray:
    """Maximum logit, higher = more in-distribution.

    Args:
        logits (ArrayLike): ``(N, C)`` logits.

    Returns:
        np.ndarray: ``(N, )`` scores.
    """
    return _to_numpy(logits, np.float64).max(axis=1)


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
    scores = _to_numpy(scores, np.float64).ravel()
    positive = _to_numpy(positive, bool).ravel()
    num_pos, num_neg = int(positive.sum()), int((~positive).sum())
    if num_pos == 0 or num_neg == 0:
        return float('nan')
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2
    ranks = average_rank[inverse.ravel()]
    return float((ranks[positive].sum() - num_pos * (num_pos + 1) / 2) / (num_pos * num_neg))


def numeric_image_id(name: str) -> int:
    """The number at the end of a chip's file name: ``'Gotcha123.png'`` or ``'EO_123.png'`` -> 123.

    Args:
        name (str): File name or path.

    Returns:
        int: The trailing number of the name without extension.
    """
    stem = osp.splitext(osp.basename(name))[0]
    match = re.search(r'(\d+)$', stem)
    if match is None:
        raise ValueError(f'no number at the end of the file name {name!r}')
    return int(match.group(1))


def cluster_by_id_gap(ids: ArrayLike, max_gap: float = 100) -> np.ndarray:
    """Group numeric image ids into runs of close ids (NJUST-KMG's ``name_cluster``).

    The ids are sorted; a new cluster starts wherever an id exceeds the previous (sorted) id by
    more than ``max_gap``. This is 1-D single linkage: the number of clusters depends on the
    data. Clusters are numbered 0, 1, ... in increasing id order.

    Args:
        ids (ArrayLike): ``(N, )`` numeric ids (see :func:`numeric_image_id`).
        max_gap (float): Largest gap between neighbouring ids of one cluster. Defaults to 100.

    Returns:
        np.ndarray: ``(N, )`` cluster index of every input, in the input order.
    """
    ids = _to_numpy(ids).ravel()
    order = np.argsort(ids, kind='stable')
    starts = np.diff(ids[order]) > max_gap
    clusters = np.empty(len(ids), dtype=np.int64)
    clusters[order] = np.concatenate([[0], np.cumsum(starts)]).astype(np.int64)
    return clusters


def _mode(values: np.ndarray):
    """Most frequent value; among equally frequent values the smallest."""
    unique, counts = np.unique(values, return_counts=True)
    return unique[np.argmax(counts)]


def cluster_vote(labels: ArrayLike,
                 scores: ArrayLike,
                 clusters: ArrayLike,
                 threshold: float = 0.95) -> Tuple[np.ndarray, np.ndarray]:
    """Winner-take-all label voting of the confident samples of every cluster (NJUST-KMG).

    Within each cluster, the samples with ``score > threshold`` (strictly) all get

    * the majority label among those confident samples, and
    * the "modal score value": the most frequent score among those confident samples;

    the other samples keep their label and score. Ties are broken by the smallest label / the
    smallest score. The seed uses ``max(set(x), key=x.count)``: for labels 0-9 Python's set
    yields small integers in increasing order, so the smallest label wins there too; for scores,
    which are usually all different, every score is "modal" and the seed takes whichever value
    the set yields first (an arbitrary, hash-dependent pick), here the smallest confident score.
    Unlike the seed, the input order and the image names are kept (the seed writes the rows
    cluster by cluster, confident samples first, and mangles the names of the others with
    ``replace('0', '1')``).

    Args:
        labels (ArrayLike): ``(N, )`` predicted labels.
        scores (ArrayLike): ``(N, )`` confidences (NJUST-KMG: maximum softmax probability).
        clusters (ArrayLike): ``(N, )`` cluster index of every sample (e.g. from
            :func:`cluster_by_id_gap`).
        threshold (float): Confidence above which a sample votes and is relabelled.
            Defaults to 0.95.

    Returns:
        tuple[np.ndarray, np.ndarray]: The new labels and scores, ``(N, )`` each.
    """
    labels, scores = _to_numpy(labels).ravel(), _to_numpy(scores, np.float64).ravel()
    clusters = _to_numpy(clusters).ravel()
    new_labels, new_scores = labels.copy(), scores.copy()
    confident = scores > threshold
    for cluster in np.unique(clusters):
        voters = confident & (clusters == cluster)
        if voters.any():
            new_labels[voters] = _mode(labels[voters])
            new_scores[voters] = _mode(scores[voters])
    return new_labels, new_scores


def _relabel_by_first_appearance(assignment: np.ndarray) -> np.ndarray:
    """Renumber cluster ids 0, 1, ... in the order of their first sample."""
    _, first, inverse = np.unique(assignment, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    return rank[inverse.ravel()].astype(np.int64)


def _kmeans(features: np.ndarray, n_clusters: int, max_iter: int, seed: int) -> np.ndarray:
    """Lloyd's k-means with k-means++ seeding; an emptied cluster restarts at the worst point."""
    rng = np.random.default_rng(seed)
    num = len(features)
    centers = [features[rng.integers(num)]]
    for _ in range(1, n_clusters):
        dist = ((features[:, None] - np.asarray(centers)[None])**2).sum(-1).min(1)
        probs = dist / dist.sum() if dist.sum() > 0 else np.full(num, 1 / num)
        centers.append(features[rng.choice(num, p=probs)])
    centers = np.asarray(centers, dtype=np.float64)
    assignment = np.full(num, -1)
    for _ in range(max_iter):
        dist = ((features[:, None] - centers[None])**2).sum(-1)
        new_assignment = dist.argmin(1)
        if np.array_equal(new_assignment, assignment):
            break
        assignment = new_assignment
        for c in range(n_clusters):
            members = assignment == c
            if members.any():
                centers[c] = features[members].mean(0)
            else:
                centers[c] = features[dist.min(1).argmax()]
    return assignment


def cluster_by_features(features: ArrayLike,
                        n_clusters: Optional[int] = None,
                        distance_threshold: Optional[float] = None,
                        normalize: bool = False,
                        max_iter: int = 100,
                        seed: int = 0) -> np.ndarray:
    """Cluster test samples by their embeddings (the feature clustering of NJUST-KMG's README).

    Give exactly one of:

    * ``n_clusters``: k-means (k-means++ seeding with ``seed``, Lloyd iterations until the
      assignment no longer changes or ``max_iter``);
    * ``distance_threshold``: single-linkage agglomerative clustering, i.e. the connected
      components of the graph joining samples whose Euclidean distance is ``<=`` the threshold
      (the feature-space analogue of :func:`cluster_by_id_gap`). It builds the ``N x N`` distance
      matrix, fine for test sets of a few thousand chips.

    Clusters are numbered 0, 1, ... in the order of their first sample. The result can go to
    :func:`cluster_vote`.

    Args:
        features (ArrayLike): ``(N, D)`` embeddings.
        n_clusters (int, optional): Number of k-means clusters. Defaults to None.
        distance_threshold (float, optional): Linkage distance. Defaults to None.
        normalize (bool): L2-normalise the embeddings first (cosine geometry). Defaults to False.
        max_iter (int): Most k-means iterations. Defaults to 100.
        seed (int): Seed of the k-means++ seeding. Defaults to 0.

    Returns:
        np.ndarray: ``(N, )`` cluster index of every sample.
    """
    if (n_clusters is None) == (distance_threshold is None):
        raise ValueError('give exactly one of n_clusters and distance_threshold')
    features = _to_numpy(features, np.float64).reshape(len(features), -1)
    if normalize:
        features = features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-12)
    if n_clusters is not None:
        if not 1 <= n_clusters <= len(features):
            raise ValueError(f'n_clusters={n_clusters} must be in [1, {len(features)}]')
        return _relabel_by_first_appearance(_kmeans(features, n_clusters, max_iter, seed))
    dist = np.sqrt(((features[:, None] - features[None])**2).sum(-1))
    adjacent = dist <= distance_threshold
    assignment = np.full(len(features), -1)
    for start in range(len(features)):
        if assignment[start] >= 0:
            continue
        assignment[start] = start
        frontier = [start]
        while frontier:
            reached = np.flatnonzero(adjacent[frontier].any(0) & (assignment < 0))
            assignment[reached] = start
            frontier = reached.tolist()
    return _relabel_by_first_appearance(assignment)


def write_submission(path: str,
                     image_ids: Sequence,
                     class_ids: ArrayLike,
                     scores: Optional[ArrayLike] = None) -> None:
    """Write a MAVOC submission CSV.

    NTIRE 2021: header ``image_id,class_id``; PBVS 2024 (with ``scores``): header
    ``image_id,class_id,score``. One row per sample in the given order; the image ids are written
    as given (``str(id)``: the 2021 seed writes the number of ``EO_<id>.png``, the 2024 code the
    file name ``Gotcha<id>.png``), the class ids as integers and the scores with ``repr`` precision.

    Args:
        path (str): Output file; its folder is created.
        image_ids (Sequence): Image id of every sample.
        class_ids (ArrayLike): Predicted class of every sample.
        scores (ArrayLike, optional): Per-sample confidence / in-distribution score.
            Defaults to None.
    """
    if isinstance(image_ids, (np.ndarray, torch.Tensor)):
        image_ids = _to_numpy(image_ids).ravel().tolist()
    class_ids = _to_numpy(class_ids).ravel()
    columns = [list(image_ids), [int(c) for c in class_ids]]
    header = ['image_id', 'class_id']
    if scores is not None:
        columns.append([float(s) for s in _to_numpy(scores, np.float64).ravel()])
        header.append('score')
    if len({len(c) for c in columns}) != 1:
        raise ValueError(f'write_submission: columns of different lengths '
                         f'{[len(c) for c in columns]}')
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(path, 'w', newline='') as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(zip(*columns))


def read_submission(path: str) -> Dict[str, List]:
    """Read a submission CSV written by :func:`write_submission` (or by the seeds).

    Args:
        path (str): The CSV file.

    Returns:
        dict[str, list]: ``'image_id'`` (strings), ``'class_id'`` (ints) and, for the 2024
        format, ``'score'`` (floats).
    """
    with open(path, newline='') as file:
        rows = list(csv.DictReader(file))
    result = dict(
        image_id=[row['image_id'] for row in rows],
        class_id=[int(row['class_id']) for row in rows])
    if rows and 'score' in rows[0]:
        result['score'] = [float(row['score']) for row in rows]
    return result
