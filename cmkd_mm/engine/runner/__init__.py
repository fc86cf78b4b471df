from .checked_runner import build_runner, checked_runner
from .cross_modal_val_loop import CrossModalDistillValLoop

__all__ = ['CrossModalDistillValLoop', 'build_runner', 'checked_runner']
