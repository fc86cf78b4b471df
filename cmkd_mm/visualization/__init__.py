"""Pictures of multi-modal samples (the dataset browser)."""
from .multimodal_browser import MultiModalBrowser, browse_dataset, modality_bit_depths
from .panels import compose_panels, modality_picture, stretch_to_uint8

__all__ = [
    'MultiModalBrowser', 'browse_dataset', 'compose_panels', 'modality_bit_depths',
    'modality_picture', 'stretch_to_uint8'
]
