from .gradient_reversal import GradientReversalLayer, gradient_reverse

__all__ = ['GradientReversalLayer', 'gradient_reverse']
