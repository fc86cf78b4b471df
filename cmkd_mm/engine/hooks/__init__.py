from .loss_weight_schedule_hook import LossWeightScheduleHook
from .multimodal_det_visualization_hook import MultiModalDetVisualizationHook, to_display
from .multimodal_seg_visualization_hook import MultiModalSegVisualizationHook

__all__ = ['MultiModalDetVisualizationHook', 'MultiModalSegVisualizationHook', 'to_display']
__all__ += ['LossWeightScheduleHook']
