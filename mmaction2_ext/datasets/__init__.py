from . import transforms  # noqa: F401
from .haan_features import HAANFeatureDataset, haan_collate

__all__ = ['HAANFeatureDataset', 'haan_collate']
