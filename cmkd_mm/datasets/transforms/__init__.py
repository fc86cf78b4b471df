from .augmentation import MultiModalRandomRot90, MultiModalShiftScaleRotate, ReplaceModality
from .edge_labels import GenerateEdgeLabels, seg_to_edge
from .formatting import PackMultiModalInputs
from .geometric import (MultiModalPad, MultiModalRandomCrop, MultiModalRandomFlip,
                        MultiModalRandomRotate, MultiModalResize)
from .label_checks import CheckSegLabels
from .loading import LoadModalities, LoadSegLabels, decode_image
from .photometric import ApplyToModalities
from .randomness import RandomDraws
from .registration import RegisterModalities, warp_window
from .xview2 import LoadXView2Masks, XView2ContentCrop, XView2Targets, damage_target

__all__ = [
    'LoadModalities', 'LoadSegLabels', 'decode_image', 'MultiModalResize', 'MultiModalRandomFlip',
    'MultiModalRandomCrop', 'MultiModalPad', 'MultiModalRandomRotate', 'ApplyToModalities',
    'PackMultiModalInputs', 'RegisterModalities', 'warp_window', 'GenerateEdgeLabels',
    'seg_to_edge', 'CheckSegLabels', 'LoadXView2Masks', 'XView2Targets', 'XView2ContentCrop',
    'MultiModalRandomRot90', 'ReplaceModality', 'MultiModalShiftScaleRotate', 'damage_target',
    'RandomDraws'
]
