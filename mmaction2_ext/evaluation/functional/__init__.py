from .detection_map import (class_average_precision, detection_map,
                            interpolated_ap, segment_iou)
from .ensemble import (PRESETS, accuracy_report, check_same_labels,
                       fuse_scores, load_dump, save_dump)
from .haan_detections import haan_detections, video_class_scores

__all__ = [
    'class_average_precision', 'detection_map', 'interpolated_ap',
    'segment_iou', 'haan_detections', 'video_class_scores', 'PRESETS',
    'accuracy_report', 'check_same_labels', 'fuse_scores', 'load_dump',
    'save_dump'
]
