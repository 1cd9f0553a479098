from .ensemble import (PRESETS, accuracy_report, check_same_labels,
                       fuse_scores, load_dump, save_dump)

__all__ = ['PRESETS', 'accuracy_report', 'check_same_labels', 'fuse_scores',
           'load_dump', 'save_dump']
