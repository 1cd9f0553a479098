from .dist import all_reduce_mean, is_distributed

__all__ = ['all_reduce_mean', 'is_distributed']
