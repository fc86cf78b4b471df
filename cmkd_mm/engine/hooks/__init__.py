from .multimodal_det_visualization_hook import MultiModalDetVisualizationHook, to_display

__all__ = ['MultiModalDetVisualizationHook', 'to_display']
