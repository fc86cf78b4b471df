from .check_finite_loss_hook import CheckFiniteLossHook
from .class_weights_from_data_hook import ClassWeightsFromDataHook
from .loss_weight_schedule_hook import LossWeightScheduleHook
from .multimodal_det_visualization_hook import MultiModalDetVisualizationHook, to_display
from .multimodal_seg_visualization_hook import MultiModalSegVisualizationHook

__all__ = ['MultiModalDetVisualizationHook', 'MultiModalSegVisualizationHook', 'to_display']
__all__ += ['LossWeightScheduleHook']
__all__ += ['ClassWeightsFromDataHook']
__all__ += ['CheckFiniteLossHook']
