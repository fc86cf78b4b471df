from .check_eval_pipeline_hook import CheckEvalPipelineHook
from .check_finite_loss_hook import CheckFiniteLossHook
from .class_weights_from_data_hook import ClassWeightsFromDataHook
from .loss_weight_schedule_hook import LossWeightScheduleHook
from .modality_stats_from_data_hook import ModalityStatsFromDataHook
from .multimodal_det_visualization_hook import MultiModalDetVisualizationHook, to_display
from .multimodal_seg_visualization_hook import MultiModalSegVisualizationHook
from .teacher_cache_hook import TeacherCacheHook

__all__ = ['MultiModalDetVisualizationHook', 'MultiModalSegVisualizationHook', 'to_display']
__all__ += ['LossWeightScheduleHook']
__all__ += ['ClassWeightsFromDataHook']
__all__ += ['CheckFiniteLossHook']
__all__ += ['ModalityStatsFromDataHook']
__all__ += ['CheckEvalPipelineHook']
__all__ += ['TeacherCacheHook']
