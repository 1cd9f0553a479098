from .csc_loss import ClassSpecificContrastiveLoss

__all__ = ['ClassSpecificContrastiveLoss']
