"""Procedural demo datasets written in the real on-disk formats."""
from .mavoc_demo import make_mavoc_demo
from .mfnet_demo import make_mfnet_demo
from .pst900_demo import make_pst900_demo
from .stf_demo import make_stf_demo
from .stf_demo_coco import DEMO_COCO_SPLITS, prepare_stf_demo
from .xview2_demo import make_xview2_demo

__all__ = [
    'DEMO_COCO_SPLITS', 'make_mavoc_demo', 'make_mfnet_demo', 'make_pst900_demo', 'make_stf_demo',
    'prepare_stf_demo', 'make_xview2_demo'
]
