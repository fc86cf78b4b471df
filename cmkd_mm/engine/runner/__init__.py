from .cross_modal_val_loop import CrossModalDistillValLoop

__all__ = ['CrossModalDistillValLoop']
