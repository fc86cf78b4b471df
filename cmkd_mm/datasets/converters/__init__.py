"""Dataset converters (the package side of ``tools/dataset_converters``)."""
from .stf_to_coco import LAYOUTS, convert_split, convert_stf_to_coco, stf_options, summary
from .xview2_masks import write_xview2_masks

__all__ = [
    'LAYOUTS', 'convert_split', 'convert_stf_to_coco', 'stf_options', 'summary',
    'write_xview2_masks'
]
