from . import formatting, heatmaps  # noqa: F401
from .skeleton import (GenSkeFeatExt, JointToBoneExt, JointToKB,
                       KineticsTransform, RandomRot, SpatialFlip,
                       UniformSampleDecode)

__all__ = ['GenSkeFeatExt', 'JointToBoneExt', 'JointToKB',
           'KineticsTransform', 'RandomRot', 'SpatialFlip',
           'UniformSampleDecode']
