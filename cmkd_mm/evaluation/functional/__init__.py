"""Array-level post-processing of the MAVOC challenges: balancing, OOD scores, clustering,
submission files."""
from .clustering import (CLUSTER_ORDERS, TIE_BREAKS, cluster_by_features, cluster_by_id_gap,
                         cluster_vote, name_order, numeric_image_id)
from .confidence_balancing import confidence_balancing
from .ood_scores import (OOD_SCORES, binary_auroc, energy_score, max_logit_score,
                         max_softmax_score, ood_score)
from .submission import read_submission, write_submission

__all__ = [
    'CLUSTER_ORDERS', 'OOD_SCORES', 'TIE_BREAKS', 'binary_auroc', 'cluster_by_features',
    'cluster_by_id_gap', 'cluster_vote',
    'confidence_balancing', 'energy_score', 'max_logit_score', 'max_softmax_score',
    'name_order', 'numeric_image_id', 'ood_score', 'read_submission', 'write_submission'
]
