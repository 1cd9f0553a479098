from .errors import DataError, DownloadError, data_error
from .io import atomic_pickle_dump, atomic_write

__all__ = ['DataError', 'DownloadError', 'data_error', 'atomic_write',
           'atomic_pickle_dump']
