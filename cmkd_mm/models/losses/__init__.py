from .adversarial_loss import AdversarialFeatureLoss
from .classification_losses import (ClassWeightedKLDivergence, InfoNCELoss,
                                    LabelMixCrossEntropyLoss, SoftmaxFocalLoss,
                                    SortedFeatureMSELoss, inverse_frequency_weights)
from .combo_loss import ComboLoss, DamageComboLoss
from .edge_bce_loss import AutoWeightedEdgeBCELoss
from .pairwise_similarity_loss import PairwiseSimilarityLoss
from .pixel_soft_ce_loss import PixelSoftCELoss
from .pseudo_label_ce_loss import PseudoLabelCELoss
from .xview2_kd_losses import (BatchL2FeatureLoss, ReverseKLLoss, SoftBCELoss,
                               TeacherWeightedLikelihoodLoss, channel_five2two)

__all__ = [
    'AdversarialFeatureLoss', 'AutoWeightedEdgeBCELoss', 'PairwiseSimilarityLoss',
    'PixelSoftCELoss', 'PseudoLabelCELoss', 'ClassWeightedKLDivergence', 'InfoNCELoss',
    'LabelMixCrossEntropyLoss', 'SoftmaxFocalLoss', 'SortedFeatureMSELoss',
    'inverse_frequency_weights', 'ComboLoss', 'DamageComboLoss', 'BatchL2FeatureLoss',
    'ReverseKLLoss', 'SoftBCELoss', 'TeacherWeightedLikelihoodLoss', 'channel_five2two'
]
