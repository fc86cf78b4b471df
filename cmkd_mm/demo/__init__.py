"""Procedural demo datasets written in the real on-disk formats."""
from .mfnet_demo import make_mfnet_demo
from .pst900_demo import make_pst900_demo
from .stf_demo import make_stf_demo

__all__ = ['make_mfnet_demo', 'make_pst900_demo', 'make_stf_demo']
