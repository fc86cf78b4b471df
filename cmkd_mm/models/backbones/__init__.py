from .bot_resnet import BoTResNet
from .fusion_resnet import FusionResNet

__all__ = ['BoTResNet', 'FusionResNet']
