from .csc_loss import ClassSpecificContrastiveLoss
from .haan_loss import HAANLoss

__all__ = ['ClassSpecificContrastiveLoss', 'HAANLoss']
