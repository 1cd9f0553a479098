from .proto_calibration import (HierProtoCalibration, PooledCalibration,
                                ProtoCalibration)
from .tree_loss import TreeLoss, state_space

__all__ = ['ProtoCalibration', 'HierProtoCalibration', 'PooledCalibration',
           'TreeLoss', 'state_space']
