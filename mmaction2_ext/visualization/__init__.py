"""Plots people look at: training curves and confusion matrices (PNG).

Not imported by ``mmaction2_ext`` itself (matplotlib is only needed here)."""
from .confusion import (DumpScores, confusion_counts, draw_confusion_matrix,
                        dump_confusions, load_dump, plot_confusion_matrices,
                        present_classes, top_confusions,
                        read_class_names)
from .curves import (Curve, collect_curves, draw_curves, load_scalars,
                     plot_curves)
from .figure import save_figure

__all__ = [
    'Curve', 'DumpScores', 'collect_curves', 'confusion_counts',
    'draw_confusion_matrix', 'draw_curves', 'dump_confusions', 'load_dump',
    'load_scalars', 'plot_confusion_matrices', 'plot_curves',
    'present_classes', 'top_confusions',
    'read_class_names', 'save_figure'
]
