from .dump import SafeDumpResults
from .haan_metric import HAANDetectionMetric
from .ma52_metric import MA52Metric

__all__ = ['HAANDetectionMetric', 'MA52Metric', 'SafeDumpResults']
