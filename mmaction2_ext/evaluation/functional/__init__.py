from .ma52 import (f1_macro_micro, ma52_metrics, ma52_metrics_from_topk,
                   topk_accuracy, topk_indices)

__all__ = ['ma52_metrics', 'ma52_metrics_from_topk', 'f1_macro_micro',
           'topk_accuracy', 'topk_indices']
