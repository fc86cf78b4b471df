"""Array-level post-processing and scoring: MAVOC balancing, OOD scores, clustering and
submission files; the xView2 score and submission PNGs."""
from .clustering import (CLUSTER_ORDERS, TIE_BREAKS, cluster_by_features, cluster_by_id_gap,
                         cluster_vote, name_order, numeric_image_id)
from .confidence_balancing import confidence_balancing
from .ood_scores import (OOD_SCORES, binary_auroc, energy_score, max_logit_score, max_softmax_score,
                         ood_score)
from .submission import read_submission, write_submission
from .xview2 import (accumulate, read_xview2_png, tile_counts, tile_id_from_path,
                     write_xview2_submission, xview2_scores)

__all__ = [
    'CLUSTER_ORDERS', 'OOD_SCORES', 'TIE_BREAKS', 'binary_auroc', 'cluster_by_features',
    'cluster_by_id_gap', 'cluster_vote', 'confidence_balancing', 'energy_score', 'max_logit_score',
    'max_softmax_score', 'name_order', 'numeric_image_id', 'ood_score', 'read_submission',
    'write_submission', 'accumulate', 'read_xview2_png', 'tile_counts', 'tile_id_from_path',
    'write_xview2_submission', 'xview2_scores'
]
