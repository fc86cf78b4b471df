"""Recipe step kinds, registered in ``RECIPE_STEPS``."""
from .base import BaseStep, split_reference
from .data import DemoData, STFToCOCO, XView2Masks
from .evaluate import Evaluate
from .loop import Loop
from .mavoc_inference import MAVOCInference
from .train import Train, best_checkpoint, evaluate_checkpoint, last_checkpoint

__all__ = [
    'BaseStep', 'DemoData', 'Evaluate', 'Loop', 'MAVOCInference', 'STFToCOCO', 'Train',
    'XView2Masks', 'best_checkpoint', 'evaluate_checkpoint', 'last_checkpoint', 'split_reference'
]
