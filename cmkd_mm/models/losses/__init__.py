from .adversarial_loss import AdversarialFeatureLoss
from .cekd_losses import PairwiseSimilarityLoss, PixelSoftCELoss, PseudoLabelCELoss

__all__ = [
    'AdversarialFeatureLoss', 'PairwiseSimilarityLoss', 'PixelSoftCELoss', 'PseudoLabelCELoss'
]
