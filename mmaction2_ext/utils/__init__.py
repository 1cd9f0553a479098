from .errors import (DataError, DownloadError, MissingFileError,
                     MissingKeyError, data_error, missing_file)
from .io import atomic_pickle_dump, atomic_write
from .safe_pickle import UnsafePickleError, safe_load, safe_np_load

__all__ = ['DataError', 'DownloadError', 'MissingFileError', 'MissingKeyError',
           'data_error',
           'missing_file', 'atomic_write',
           'atomic_pickle_dump', 'UnsafePickleError', 'safe_load',
           'safe_np_load']
