from .feature_discriminator import FeatureDiscriminator
from .teacher_group import TeacherGroup

__all__ = ['FeatureDiscriminator', 'TeacherGroup']
