"""The Seeing Through Fog demo ready for mmdet: written, then converted to COCO json."""
from typing import Dict, Optional

from ..datasets.converters import convert_stf_to_coco
from .registry import DEMO_DATASETS
from .stf_demo import make_stf_demo

# COCO splits of the demo: train on clear and light-fog nights, test on clear and dense fog.
DEMO_COCO_SPLITS = dict(
    train_night=['splits/train_clear_night.txt', 'splits/light_fog_night.txt'],
    val_night=['splits/val_clear_night.txt'],
    test_night=['splits/test_clear_night.txt', 'splits/dense_fog_night.txt'])


@DEMO_DATASETS.register_module('stf')
def prepare_stf_demo(root: str,
                     splits: Optional[Dict[str, int]] = None,
                     verbose: bool = True,
                     **kwargs) -> str:
    """Write the STF demo (kept when present) and convert its splits to COCO json.

    Args:
        root (str): Where to write the dataset.
        splits (dict, optional): Frames per split file (:func:`make_stf_demo`'s default when
            None).
        verbose (bool): Print the conversion counts. Defaults to True.
        **kwargs: Other :func:`make_stf_demo` arguments.

    Returns:
        str: ``root``; the json files are ``<root>/annotations/{train,val,test}_night.json``.
    """
    make_stf_demo(root, splits=splits, **kwargs)
    convert_stf_to_coco(DEMO_COCO_SPLITS, verbose=verbose, data_root=root)
    return root
