"""Procedural demo datasets written in the real on-disk formats.

Each generator registers itself in ``DEMO_DATASETS`` under the name recipes give ``DemoData``
(``stf``, ``mfnet``, ``pst900``, ``mavoc2021``, ``mavoc2024``, ``xview2``, ``llvip``, ``rgbd``,
``ships``).
"""
from .llvip_demo import make_llvip_demo
from .mavoc_demo import make_mavoc2021_demo, make_mavoc2024_demo, make_mavoc_demo
from .mfnet_demo import make_mfnet_demo
from .pst900_demo import make_pst900_demo
from .registry import DEMO_DATASETS
from .rgbd_demo import make_rgbd_demo
from .ships_demo import make_ships_demo
from .stf_demo import make_stf_demo
from .stf_demo_coco import DEMO_COCO_SPLITS, prepare_stf_demo
from .xview2_demo import make_xview2_demo

__all__ = [
    'DEMO_COCO_SPLITS', 'DEMO_DATASETS', 'make_llvip_demo', 'make_mavoc2021_demo',
    'make_mavoc2024_demo', 'make_mavoc_demo', 'make_mfnet_demo', 'make_pst900_demo',
    'make_rgbd_demo', 'make_ships_demo', 'make_stf_demo', 'prepare_stf_demo', 'make_xview2_demo'
]
