"""Deployment: a distillation checkpoint to a plain downstream model, and ONNX export."""
from .detector_onnx import (NormalizedDetector, match_detections, mmdet_detections,
                            onnx_detection_diff, postprocess_detections)
from .extract_student import (StudentFiles, extract_student, measured_stats, student_state_dict,
                              write_student_configs)
from .onnx_export import NormalizedModel, export_onnx, load_deployable, onnx_max_abs_diff
from .plain_config import NotPlainError, plain_config

__all__ = [
    'NormalizedDetector', 'NormalizedModel', 'NotPlainError', 'StudentFiles', 'export_onnx',
    'extract_student', 'load_deployable', 'match_detections', 'measured_stats', 'mmdet_detections',
    'onnx_detection_diff', 'onnx_max_abs_diff', 'plain_config', 'postprocess_detections',
    'student_state_dict', 'write_student_configs'
]
