from .haan_loss import HAANLoss

__all__ = ['HAANLoss']
