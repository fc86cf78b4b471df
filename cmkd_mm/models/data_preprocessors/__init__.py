from .modality_failure import FAILURE_MODES, ModalityFailure, fail_modality, sensor_modalities
from .multimodal_data_preprocessor import MultiModalDataPreprocessor

__all__ = [
    'FAILURE_MODES', 'ModalityFailure', 'MultiModalDataPreprocessor', 'fail_modality',
    'sensor_modalities'
]
