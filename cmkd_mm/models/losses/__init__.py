from .adversarial_loss import AdversarialFeatureLoss
from .batch_l2_feature_loss import BatchL2FeatureLoss
from .class_weighted_kl_divergence import ClassWeightedKLDivergence
from .combo_loss import ComboLoss, DamageComboLoss
from .edge_bce_loss import AutoWeightedEdgeBCELoss
from .info_nce_loss import InfoNCELoss
from .label_mix_cross_entropy_loss import LabelMixCrossEntropyLoss
from .pairwise_similarity_loss import PairwiseSimilarityLoss
from .pixel_soft_ce_loss import PixelSoftCELoss
from .pseudo_label_ce_loss import PseudoLabelCELoss
from .reverse_kl_loss import ReverseKLLoss
from .soft_bce_loss import SoftBCELoss
from .softmax_focal_loss import SoftmaxFocalLoss
from .sorted_feature_mse_loss import SortedFeatureMSELoss
from .teacher_weighted_likelihood_loss import TeacherWeightedLikelihoodLoss
from .utils import channel_five2two, inverse_frequency_weights

__all__ = [
    'AdversarialFeatureLoss', 'AutoWeightedEdgeBCELoss', 'PairwiseSimilarityLoss',
    'PixelSoftCELoss', 'PseudoLabelCELoss', 'ClassWeightedKLDivergence', 'InfoNCELoss',
    'LabelMixCrossEntropyLoss', 'SoftmaxFocalLoss', 'SortedFeatureMSELoss',
    'inverse_frequency_weights', 'ComboLoss', 'DamageComboLoss', 'BatchL2FeatureLoss',
    'ReverseKLLoss', 'SoftBCELoss', 'TeacherWeightedLikelihoodLoss', 'channel_five2two'
]
