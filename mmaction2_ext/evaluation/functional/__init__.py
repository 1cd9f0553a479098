from .detection_map import (class_average_precision, detection_map,
                            interpolated_ap, segment_iou)
from .haan_detections import haan_detections, video_class_scores

__all__ = [
    'class_average_precision', 'detection_map', 'interpolated_ap',
    'segment_iou', 'haan_detections', 'video_class_scores'
]
