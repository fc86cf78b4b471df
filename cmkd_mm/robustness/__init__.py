"""Robustness: a model tested with a failed sensor against the single-sensor student."""
from .modality_dropout import compare, evaluate_with_failure, failure_config
from .split_identity import split_differences, split_identity

__all__ = [
    'compare', 'evaluate_with_failure', 'failure_config', 'split_differences', 'split_identity'
]
