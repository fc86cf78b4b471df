from .checked_runner import build_runner, checked_runner
from .cross_modal_val_loop import CrossModalDistillValLoop
from .teacher_prepass import cache_teacher, flip_variants

__all__ = [
    'CrossModalDistillValLoop', 'build_runner', 'cache_teacher', 'checked_runner', 'flip_variants'
]
