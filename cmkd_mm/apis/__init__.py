"""Inference: a trained model's predictions on a dataset, with each system's post-processing,
and one-call inference on files (the downstream inferencers, or MultiModalInferencer for models
that read named modalities)."""
from .inference_inputs import InferenceSample, check_student_inputs, collect_samples, image_paths
from .inferencers import inferencer_for, is_plain_config, run_inferencer
from .mavoc_inference import mavoc_inference, mavoc_postprocess, mavoc_predict, mavoc_val_metrics
from .multimodal_inferencer import MultiModalInferencer
from .xview2_inference import build_model, model_probs, predict_tiles

__all__ = [
    'InferenceSample', 'MultiModalInferencer', 'build_model', 'check_student_inputs',
    'collect_samples', 'image_paths', 'inferencer_for', 'is_plain_config', 'mavoc_inference',
    'mavoc_postprocess', 'mavoc_predict', 'mavoc_val_metrics', 'model_probs', 'predict_tiles',
    'run_inferencer'
]
