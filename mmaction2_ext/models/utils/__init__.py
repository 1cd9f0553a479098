from .dist import all_reduce_mean, is_distributed
from .graph import Graph

__all__ = ['all_reduce_mean', 'is_distributed', 'Graph']
