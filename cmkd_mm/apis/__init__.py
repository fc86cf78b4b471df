"""Inference: a trained model's predictions on a dataset, with each system's post-processing."""
from .mavoc_inference import mavoc_inference, mavoc_postprocess, mavoc_predict, mavoc_val_metrics
from .xview2_inference import build_model, model_probs, predict_tiles

__all__ = [
    'build_model', 'mavoc_inference', 'mavoc_postprocess', 'mavoc_predict', 'mavoc_val_metrics',
    'model_probs', 'predict_tiles'
]
