from .haan_pseudo_label_hook import HAANPseudoLabelHook, cluster_clips
from .metric_out_dir_hook import MetricOutDirHook

__all__ = ['HAANPseudoLabelHook', 'MetricOutDirHook', 'cluster_clips']
