"""Deployment: a distillation checkpoint to a plain downstream model, and ONNX export."""
from .extract_student import extract_student, measured_stats, student_state_dict
from .onnx_export import NormalizedModel, export_onnx, load_deployable, onnx_max_abs_diff

__all__ = [
    'NormalizedModel', 'export_onnx', 'extract_student', 'load_deployable', 'measured_stats',
    'onnx_max_abs_diff', 'student_state_dict'
]
