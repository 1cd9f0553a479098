from .haan import HAAN, ClipMLP

__all__ = ['HAAN', 'ClipMLP']
