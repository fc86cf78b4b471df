"""Recipe step kinds, registered in ``RECIPE_STEPS``."""
from .base import BaseStep, split_reference
from .cache_teacher import CacheTeacher
from .check_dataset import CheckDataset
from .data import DemoData
from .evaluate import Evaluate
from .loop import Loop
from .mavoc_inference import MAVOCInference
from .stf_to_coco import STFToCOCO
from .train import Train, best_checkpoint, evaluate_checkpoint, last_checkpoint
from .xview2_masks import XView2Masks

__all__ = [
    'BaseStep', 'CacheTeacher', 'CheckDataset', 'DemoData', 'Evaluate', 'Loop', 'MAVOCInference',
    'STFToCOCO', 'Train', 'XView2Masks', 'best_checkpoint', 'evaluate_checkpoint',
    'last_checkpoint', 'split_reference'
]
