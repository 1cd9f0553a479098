from . import data_preprocessors, localizers, losses, utils  # noqa: F401
from mmaction2_ext.evaluation.functional import haan_detections

__all__ = ['haan_detections']
