from .adversarial_loss import AdversarialFeatureLoss
from .cekd_losses import PairwiseSimilarityLoss, PixelSoftCELoss, PseudoLabelCELoss
from .classification_losses import (ClassWeightedKLDivergence, InfoNCELoss,
                                    LabelMixCrossEntropyLoss, SoftmaxFocalLoss,
                                    SortedFeatureMSELoss, inverse_frequency_weights)
from .combo_loss import ComboLoss, DamageComboLoss
from .edge_bce_loss import AutoWeightedEdgeBCELoss

__all__ = [
    'AdversarialFeatureLoss', 'AutoWeightedEdgeBCELoss', 'PairwiseSimilarityLoss',
    'PixelSoftCELoss', 'PseudoLabelCELoss',
    'ClassWeightedKLDivergence', 'InfoNCELoss', 'LabelMixCrossEntropyLoss', 'SoftmaxFocalLoss',
    'SortedFeatureMSELoss', 'inverse_frequency_weights'
]
__all__ += ['ComboLoss', 'DamageComboLoss']
