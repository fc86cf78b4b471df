from .feature_discriminator import FeatureDiscriminator

__all__ = ['FeatureDiscriminator']
