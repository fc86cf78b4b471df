from .stages import best_checkpoint, run_stage
from .tools import load_tool

__all__ = ['best_checkpoint', 'load_tool', 'run_stage']
