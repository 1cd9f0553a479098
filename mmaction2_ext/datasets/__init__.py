from . import transforms  # noqa: F401
from .haan_features import HAANFeatureDataset, haan_collate
from .ma52 import MA52Dataset
from .pose_dataset import CheckedPoseDataset
from .validation import check_pose_annotation

__all__ = [
    'CheckedPoseDataset', 'check_pose_annotation', 'HAANFeatureDataset',
    'haan_collate', 'MA52Dataset'
]
