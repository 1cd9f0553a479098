from .pcan_rgbpose import (FeatureInteraction, MultiHeadCrossAttention,
                           PCANRGBPoseConv3D)
from .protogcn import ProtoGCN

__all__ = [
    'FeatureInteraction', 'MultiHeadCrossAttention', 'PCANRGBPoseConv3D',
    'ProtoGCN'
]
