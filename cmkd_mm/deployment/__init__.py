"""Deployment: a distillation checkpoint to a plain downstream model, and ONNX export."""
from .detector_onnx import (NormalizedDetector, match_detections, mmdet_detections,
                            onnx_detection_diff, postprocess_detections)
from .extract_student import extract_student, measured_stats, student_state_dict
from .onnx_export import NormalizedModel, export_onnx, load_deployable, onnx_max_abs_diff

__all__ = [
    'NormalizedDetector', 'NormalizedModel', 'export_onnx', 'extract_student', 'load_deployable',
    'match_detections', 'measured_stats', 'mmdet_detections', 'onnx_detection_diff',
    'onnx_max_abs_diff', 'postprocess_detections', 'student_state_dict'
]
