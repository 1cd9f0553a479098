from . import (backbones, data_preprocessors, heads, localizers,  # noqa: F401
               losses, utils)
from mmaction2_ext.evaluation.functional import haan_detections

__all__ = ['haan_detections']
