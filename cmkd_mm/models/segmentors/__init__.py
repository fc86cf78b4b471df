from .enhanced_encoder_decoder import EnhancedEncoderDecoder

__all__ = ['EnhancedEncoderDecoder']
