from .errors import DataError, DownloadError, data_error
from .io import atomic_pickle_dump, atomic_write
from .safe_pickle import UnsafePickleError, safe_load, safe_np_load

__all__ = ['DataError', 'DownloadError', 'data_error', 'atomic_write',
           'atomic_pickle_dump', 'UnsafePickleError', 'safe_load',
           'safe_np_load']
