from .edge_labels import GenerateEdgeLabels, seg_to_edge
from .formatting import PackMultiModalInputs
from .geometric import (MultiModalPad, MultiModalRandomCrop, MultiModalRandomFlip,
                        MultiModalRandomRotate, MultiModalResize)
from .label_checks import CheckSegLabels
from .loading import LoadModalities, LoadSegLabels, decode_image
from .photometric import ApplyToModalities
from .registration import RegisterModalities, warp_window

__all__ = [
    'LoadModalities', 'LoadSegLabels', 'decode_image', 'MultiModalResize', 'MultiModalRandomFlip',
    'MultiModalRandomCrop', 'MultiModalPad', 'MultiModalRandomRotate', 'ApplyToModalities',
    'PackMultiModalInputs', 'RegisterModalities', 'warp_window', 'GenerateEdgeLabels',
    'seg_to_edge', 'CheckSegLabels'
]
