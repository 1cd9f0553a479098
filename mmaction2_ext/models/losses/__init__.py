from .csc_loss import ClassSpecificContrastiveLoss
from .haan_loss import HAANLoss
from .proto_calibration import (HierProtoCalibration, PooledCalibration,
                                ProtoCalibration)
from .tree_loss import TreeLoss, state_space

__all__ = [
    'ClassSpecificContrastiveLoss', 'HAANLoss', 'ProtoCalibration',
    'HierProtoCalibration', 'PooledCalibration', 'TreeLoss', 'state_space'
]
