from .adversarial_loss import AdversarialFeatureLoss

__all__ = ['AdversarialFeatureLoss']
