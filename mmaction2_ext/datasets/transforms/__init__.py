from . import formatting, heatmaps  # noqa: F401
from .decode_once import DecordDecodeOnce, MMDecodeOnce, decode_once
from .frames_in_memory import MMDecodeArray
from .skeleton import (GenSkeFeatExt, JointToBoneExt, JointToKB,
                       KineticsTransform, RandomRot, SpatialFlip,
                       UniformSampleDecode)

__all__ = ['DecordDecodeOnce', 'GenSkeFeatExt', 'JointToBoneExt', 'JointToKB',
           'KineticsTransform', 'MMDecodeArray', 'MMDecodeOnce', 'RandomRot', 'SpatialFlip',
           'UniformSampleDecode', 'decode_once']
