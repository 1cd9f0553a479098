from . import functional, metrics  # noqa: F401
from .functional import detection_map, haan_detections

__all__ = ['detection_map', 'haan_detections']
