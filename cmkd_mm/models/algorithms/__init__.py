from .cross_modal_distill import CrossModalDistill

__all__ = ['CrossModalDistill']
