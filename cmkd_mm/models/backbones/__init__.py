from .bot_resnet import BoTResNet
from .fusion_resnet import FusionResNet
from .unet_encoder import UNetResNet, UNetSEResNeXt

__all__ = ['BoTResNet', 'FusionResNet']
__all__ += ['UNetResNet', 'UNetSEResNeXt']
