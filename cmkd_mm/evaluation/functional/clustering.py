"""Grouping of MAVOC test chips and in-cluster label voting (NJUST-KMG, PBVS 2024).

:func:`cluster_by_id_gap` groups chips by image id (NJUST-KMG's ``name_cluster``),
:func:`cluster_by_features` by embedding (the feature clustering of their README), and
:func:`cluster_vote` relabels the confident samples of every cluster.
"""
from typing import Optional, Sequence, Tuple

import numpy as np

from ...datasets.mavoc import numeric_image_id
from ...utils.deprecation import deprecated_value
from .arrays import ArrayLike, to_numpy

CLUSTER_ORDERS = ('name', 'numeric')
TIE_BREAKS = ('original', 'smallest')
#: Deprecated spellings of a ``tie_break`` -> the current ones.
TIE_BREAK_ALIASES = dict(seed='original')


def cluster_by_id_gap(names: Sequence, max_gap: float = 100, order: str = 'name') -> np.ndarray:
    """Group test chips into runs of close image ids (NJUST-KMG's ``name_cluster``).

    The chips are walked in ``order``; a new cluster starts wherever the id differs from the
    previous chip's id by more than ``max_gap`` (``abs(id - previous id) > max_gap``). Clusters
    are numbered 0, 1, ... in walking order.

    * ``order='name'`` (the NJUST-KMG code): the chips are walked in the lexicographic order
      of their names, as the NJUST-KMG code sorts its ``Gotcha<id>.png`` column as strings.
      With ids of different digit counts this order is not numeric (``Gotcha1000.png`` comes
      before ``Gotcha101.png``), so close ids can fall into different clusters. Sorting the bare ids
      (``'1000'``, ``'101'``) gives the same order as sorting the file names of one prefix,
      since ``'.'`` sorts before every digit.
    * ``order='numeric'``: walked by increasing id, i.e. 1-D single linkage: every maximal run
      of ids whose neighbouring gaps are ``<= max_gap``.

    Args:
        names (Sequence): File names (``'Gotcha123.png'``), bare ids (``'123'``) or integers,
            one per chip; the id is the trailing number (:func:`numeric_image_id`).
        max_gap (float): Largest id gap between neighbours of one cluster. Defaults to 100.
        order (str): ``'name'`` (the NJUST-KMG code) or ``'numeric'``. Defaults to ``'name'``.

    Returns:
        np.ndarray: ``(N, )`` cluster index of every chip, in the input order.
    """
    if order not in CLUSTER_ORDERS:
        raise ValueError(f'order must be one of {CLUSTER_ORDERS}, got {order!r}')
    names = [str(n) for n in (names.ravel().tolist() if isinstance(names, np.ndarray) else names)]
    ids = np.array([numeric_image_id(n) for n in names], dtype=np.int64)
    if order == 'name':
        walk = name_order(names)
    else:
        walk = np.argsort(ids, kind='stable')
    starts = np.abs(np.diff(ids[walk])) > max_gap
    clusters = np.empty(len(ids), dtype=np.int64)
    clusters[walk] = np.concatenate([[0], np.cumsum(starts)]).astype(np.int64)
    return clusters


def _mode(values: np.ndarray, tie_break: str):
    """Most frequent value of ``values`` under ``tie_break`` (see :func:`cluster_vote`)."""
    if tie_break == 'original':
        items = values.tolist()
        return max(set(items), key=items.count)
    unique, counts = np.unique(values, return_counts=True)
    return unique[np.argmax(counts)]


def cluster_vote(labels: ArrayLike,
                 scores: ArrayLike,
                 clusters: ArrayLike,
                 threshold: float = 0.95,
                 tie_break: str = 'original',
                 order: Optional[ArrayLike] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Winner-take-all label voting of the confident samples of every cluster (NJUST-KMG).

    Within each cluster, the samples with ``score > threshold`` (strictly) all get

    * the majority label among those confident samples, and
    * the "modal score value": the most frequent score among those confident samples;

    the other samples keep their label and score.

    Ties (several labels, or scores, equally frequent; for scores, which are usually all
    different, that is every score):

    * ``tie_break='original'``: the NJUST-KMG code's ``max(set(values), key=values.count)``,
      with the confident samples listed in ``order`` (the NJUST-KMG code lists them in its
      walking order, the lexicographic order of the names). The winner is the first most
      frequent value in the iteration order of Python's set, which depends on the values' hashes,
      the table size and the insertion order, not on their size: 1 and 9 (like 0 and 8) share a slot
      of the 8-slot table, so the one inserted first comes first, and ``[9, 1]`` elects 9 where
      ``[1, 9]`` elects 1. CPython does not randomise the hashes of ints and floats, so the
      result is deterministic for a given ``order``.
    * ``tie_break='smallest'``: the smallest of the most frequent labels / scores.

    Unlike the NJUST-KMG code, the input order and the image names are kept (that code writes
    the rows cluster by cluster, confident samples first, and mangles the names of the others
    with ``replace('0', '1')``).

    Args:
        labels (ArrayLike): ``(N, )`` predicted labels.
        scores (ArrayLike): ``(N, )`` confidences (NJUST-KMG: maximum softmax probability).
        clusters (ArrayLike): ``(N, )`` cluster index of every sample (e.g. from
            :func:`cluster_by_id_gap`).
        threshold (float): Confidence above which a sample votes and is relabelled.
            Defaults to 0.95.
        tie_break (str): ``'original'`` or ``'smallest'`` (``'seed'``: deprecated name of
            ``'original'``). Defaults to ``'original'``.
        order (ArrayLike, optional): Permutation of ``range(N)`` listing the samples in the
            order the NJUST-KMG code walks them (e.g. the argsort of the names); only used by
            ``tie_break='original'``. Defaults to the input order.

    Returns:
        tuple[np.ndarray, np.ndarray]: The new labels and scores, ``(N, )`` each.
    """
    tie_break = deprecated_value(tie_break, TIE_BREAK_ALIASES, 'cluster_vote(tie_break)')
    if tie_break not in TIE_BREAKS:
        raise ValueError(f'tie_break must be one of {TIE_BREAKS}, got {tie_break!r}')
    labels, scores = to_numpy(labels).ravel(), to_numpy(scores, np.float64).ravel()
    clusters = to_numpy(clusters).ravel()
    order = np.arange(len(labels)) if order is None else to_numpy(order, np.int64).ravel()
    if sorted(order.tolist()) != list(range(len(labels))):
        raise ValueError(f'order must be a permutation of range({len(labels)})')
    new_labels, new_scores = labels.copy(), scores.copy()
    confident = scores > threshold
    for cluster in np.unique(clusters):
        voters = order[(confident & (clusters == cluster))[order]]
        if len(voters):
            new_labels[voters] = _mode(labels[voters], tie_break)
            new_scores[voters] = _mode(scores[voters], tie_break)
    return new_labels, new_scores


def name_order(names: Sequence) -> np.ndarray:
    """Indices that sort ``names`` as strings (the NJUST-KMG code's walking order of the
    test chips).

    Args:
        names (Sequence): File names or ids, one per sample.

    Returns:
        np.ndarray: ``(N, )`` permutation of ``range(N)``.
    """
    names = [str(n) for n in names]
    return np.array(sorted(range(len(names)), key=names.__getitem__), dtype=np.int64)


def _relabel_by_first_appearance(assignment: np.ndarray) -> np.ndarray:
    """Renumber cluster ids 0, 1, ... in the order of their first sample."""
    _, first, inverse = np.unique(assignment, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    return rank[inverse.ravel()].astype(np.int64)


def _kmeans(features: np.ndarray, n_clusters: int, max_iter: int, seed: int) -> np.ndarray:
    """Lloyd's k-means with k-means++ initialisation; an emptied cluster restarts at the
    worst point."""
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

    * ``n_clusters``: k-means (k-means++ initialisation drawn with the random ``seed``, Lloyd
      iterations until the assignment no longer changes or ``max_iter``);
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
        seed (int): Random seed of the k-means++ initialisation. Defaults to 0.

    Returns:
        np.ndarray: ``(N, )`` cluster index of every sample.
    """
    if (n_clusters is None) == (distance_threshold is None):
        raise ValueError('give exactly one of n_clusters and distance_threshold')
    features = to_numpy(features, np.float64).reshape(len(features), -1)
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
