from .adversarial_loss import AdversarialFeatureLoss
from .class_weighted_kl_divergence import ClassWeightedKLDivergence
from .combo_loss import ComboLoss, DamageComboLoss
from .edge_bce_loss import AutoWeightedEdgeBCELoss
from .info_nce_loss import InfoNCELoss
from .label_mix_cross_entropy_loss import LabelMixCrossEntropyLoss
from .pairwise_similarity_loss import PairwiseSimilarityLoss
from .pixel_soft_ce_loss import PixelSoftCELoss
from .pseudo_label_ce_loss import PseudoLabelCELoss
from .softmax_focal_loss import SoftmaxFocalLoss
from .sorted_feature_mse_loss import SortedFeatureMSELoss
from .utils import inverse_frequency_weights
from .xview2_kd_losses import (BatchL2FeatureLoss, ReverseKLLoss, SoftBCELoss,
                               TeacherWeightedLikelihoodLoss, channel_five2two)

__all__ = [
    'AdversarialFeatureLoss', 'AutoWeightedEdgeBCELoss', 'PairwiseSimilarityLoss',
    'PixelSoftCELoss', 'PseudoLabelCELoss', 'ClassWeightedKLDivergence', 'InfoNCELoss',
    'LabelMixCrossEntropyLoss', 'SoftmaxFocalLoss', 'SortedFeatureMSELoss',
    'inverse_frequency_weights', 'ComboLoss', 'DamageComboLoss', 'BatchL2FeatureLoss',
    'ReverseKLLoss', 'SoftBCELoss', 'TeacherWeightedLikelihoodLoss', 'channel_five2two'
]
