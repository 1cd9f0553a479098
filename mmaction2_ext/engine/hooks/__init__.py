from .checkpoint import SafeCheckpointHook
from .epoch_seed import EpochSeedHook
from .haan_pseudo_label_hook import HAANPseudoLabelHook, cluster_clips
from .hidden_labels import HiddenLabelsHook
from .label_range import LabelRangeHook
from .metric_out_dir_hook import MetricOutDirHook
from .nan_guard import NanGuardHook, TrainingDivergedError
from .progress import ProgressIntervalHook
from .resume_check import ResumeCheckHook
from .training_state import TRAINING_STATE_KEY, TrainingStateHook

__all__ = [
    'EpochSeedHook', 'HAANPseudoLabelHook', 'HiddenLabelsHook',
    'LabelRangeHook', 'MetricOutDirHook', 'NanGuardHook',
    'ProgressIntervalHook', 'ResumeCheckHook', 'SafeCheckpointHook',
    'TRAINING_STATE_KEY', 'TrainingDivergedError', 'TrainingStateHook',
    'cluster_clips'
]
