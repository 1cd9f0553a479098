from .epoch_seed import EpochSeedHook
from .haan_pseudo_label_hook import HAANPseudoLabelHook, cluster_clips
from .hidden_labels import HiddenLabelsHook
from .label_range import LabelRangeHook
from .metric_out_dir_hook import MetricOutDirHook
from .nan_guard import NanGuardHook, TrainingDivergedError
from .progress import ProgressIntervalHook

__all__ = [
    'EpochSeedHook', 'HAANPseudoLabelHook', 'HiddenLabelsHook',
    'LabelRangeHook', 'MetricOutDirHook', 'NanGuardHook',
    'ProgressIntervalHook', 'TrainingDivergedError', 'cluster_clips'
]
