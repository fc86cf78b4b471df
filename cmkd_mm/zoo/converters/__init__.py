"""Converters of the original code's released weights into cmkd_mm models
(``tools/model_converters/<system>_to_cmkd.py``)."""
from .base import check_complete, load_source, rename, save_converted, target_model
from .cekd import convert_cekd, convert_cekd_checkpoint
from .ntire2021 import convert_ntire2021, convert_ntire2021_checkpoint
from .stf import convert_stf, convert_stf_checkpoint
from .xview2 import convert_xview2, convert_xview2_checkpoint

__all__ = [
    'check_complete', 'convert_cekd', 'convert_cekd_checkpoint', 'convert_ntire2021',
    'convert_ntire2021_checkpoint', 'convert_stf', 'convert_stf_checkpoint', 'convert_xview2',
    'convert_xview2_checkpoint', 'load_source', 'rename', 'save_converted', 'target_model'
]
