from .rtf_decoder import RTFDecoderHead, TransBottleneck, make_trans_layer
from .thermal_enhancement import ThermalEnhancementModule
from .xview2_unet_head import XView2UNetHead

__all__ = ['RTFDecoderHead', 'TransBottleneck', 'make_trans_layer', 'ThermalEnhancementModule']
__all__ += ['XView2UNetHead']
