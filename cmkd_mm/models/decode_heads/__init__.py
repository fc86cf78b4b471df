from .rtf_decoder import RTFDecoderHead, TransBottleneck, make_trans_layer
from .thermal_enhancement import ThermalEnhancementModule

__all__ = ['RTFDecoderHead', 'TransBottleneck', 'make_trans_layer', 'ThermalEnhancementModule']
