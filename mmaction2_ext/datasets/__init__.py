from . import transforms  # noqa: F401
from .pose_dataset import CheckedPoseDataset
from .validation import check_pose_annotation

__all__ = ['CheckedPoseDataset', 'check_pose_annotation']
