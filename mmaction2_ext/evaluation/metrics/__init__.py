from .ma52_metric import MA52Metric

__all__ = ['MA52Metric']
