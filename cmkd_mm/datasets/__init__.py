from .mavoc import MAVOC_CLASSES, MAVOCDataset
from .mfnet import MFNetDataset
from .multimodal_coco import MultiModalCocoDataset
from .multimodal_seg import MultiModalSegDataset
from .multimodal_voc import MultiModalVOCDataset
from .paired_image_folder import PairedImageFolder
from .pst900 import PST900Dataset
from .samplers import ClassBalancedSampler
from .stf import STF_MODALITY_DIRS, STFDataset
from .transforms import *  # noqa: F401,F403
from .xview2 import XVIEW2_SPLITS, XView2Dataset
from .xview2_labels import DAMAGE_VALUES, parse_xview2_label, rasterize_polygons

__all__ = [
    'ClassBalancedSampler', 'MAVOCDataset', 'MAVOC_CLASSES', 'MFNetDataset', 'PST900Dataset',
    'STFDataset', 'STF_MODALITY_DIRS', 'XVIEW2_SPLITS', 'XView2Dataset', 'DAMAGE_VALUES',
    'parse_xview2_label', 'rasterize_polygons', 'MultiModalSegDataset', 'MultiModalCocoDataset',
    'MultiModalVOCDataset', 'PairedImageFolder'
]
