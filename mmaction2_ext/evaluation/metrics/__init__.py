from .haan_metric import HAANDetectionMetric

__all__ = ['HAANDetectionMetric']
