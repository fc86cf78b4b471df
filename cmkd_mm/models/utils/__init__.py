from .gradient_reversal import GradientReversalLayer, gradient_reverse
from .inflated_pretrained_init import InflatedPretrainedInit, inflate_conv_weight

__all__ = [
    'GradientReversalLayer', 'gradient_reverse', 'InflatedPretrainedInit', 'inflate_conv_weight'
]
