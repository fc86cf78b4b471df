from .enhanced_encoder_decoder import EnhancedEncoderDecoder
from .siamese_encoder_decoder import SiameseEncoderDecoder

__all__ = ['EnhancedEncoderDecoder']
__all__ += ['SiameseEncoderDecoder']
