from .mavoc_metric import MAVOCMetric
from .seg_iou_metric import SegIoUMetric
from .xview2_metric import XView2Metric

__all__ = ['SegIoUMetric', 'MAVOCMetric', 'XView2Metric']
