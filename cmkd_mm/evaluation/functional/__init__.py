from .mavoc_postprocess import (binary_auroc, cluster_by_features, cluster_by_id_gap,
                                cluster_vote, confidence_balancing, energy_score,
                                max_logit_score, max_softmax_score, numeric_image_id,
                                read_submission, write_submission)

__all__ = [
    'binary_auroc', 'cluster_by_features', 'cluster_by_id_gap', 'cluster_vote',
    'confidence_balancing', 'energy_score', 'max_logit_score', 'max_softmax_score',
    'numeric_image_id', 'read_submission', 'write_submission'
]
