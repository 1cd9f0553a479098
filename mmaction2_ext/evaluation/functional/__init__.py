from .detection_map import (class_average_precision, detection_map,
                            interpolated_ap, segment_iou)
from .ensemble import (PRESETS, accuracy_report, check_same_labels,
                       fuse_scores, load_dump, save_dump)
from .haan_detections import (haan_detections, haan_evaluation_order,
                              video_class_scores)
from .ma52 import (f1_macro_micro, ma52_metrics, ma52_metrics_from_topk,
                   topk_indices)

__all__ = [
    'class_average_precision', 'detection_map', 'interpolated_ap',
    'segment_iou', 'haan_detections', 'haan_evaluation_order',
    'video_class_scores', 'PRESETS',
    'accuracy_report', 'check_same_labels', 'fuse_scores', 'load_dump',
    'save_dump', 'ma52_metrics', 'ma52_metrics_from_topk', 'f1_macro_micro',
    'topk_indices'
]
