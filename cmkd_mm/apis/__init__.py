"""High-level functions that recipes and tools call: student extraction, MAVOC inference."""
from .extract_student import extract_student, student_config, student_state_dict
from .mavoc_inference import mavoc_postprocess, mavoc_predict, mavoc_val_metrics

__all__ = [
    'extract_student', 'mavoc_postprocess', 'mavoc_predict', 'mavoc_val_metrics', 'student_config',
    'student_state_dict'
]
