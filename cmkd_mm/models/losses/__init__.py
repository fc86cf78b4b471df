from .adversarial_loss import AdversarialFeatureLoss
from .cekd_losses import PairwiseSimilarityLoss, PixelSoftCELoss, PseudoLabelCELoss
from .edge_bce_loss import AutoWeightedEdgeBCELoss

__all__ = [
    'AdversarialFeatureLoss', 'AutoWeightedEdgeBCELoss', 'PairwiseSimilarityLoss',
    'PixelSoftCELoss', 'PseudoLabelCELoss'
]
