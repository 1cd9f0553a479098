from .errors import DataError, data_error
from .io import atomic_pickle_dump, atomic_write

__all__ = ['DataError', 'data_error', 'atomic_write', 'atomic_pickle_dump']
