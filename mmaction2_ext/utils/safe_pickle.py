"""Reading pickles and object ``.npy`` files from data without running code.

A pickle names the functions that rebuild its objects; ``pickle.load`` calls
whatever it names (``os.system`` included). Data files here only ever need
plain containers, numbers, strings, numpy arrays and (in ``tools/test.py``
dumps) torch tensors, so :func:`safe_load` admits exactly those and refuses
any other global with an error naming the file and the global.
"""
import builtins
import codecs
import collections
import io
import os.path as osp
import pickle
from typing import Any, BinaryIO, Callable, Optional, Tuple

import numpy as np
import torch
from numpy.lib import format as npy_format

from .errors import DataError, data_error, missing_file

_BUILTINS = ('bool', 'bytearray', 'bytes', 'complex', 'dict', 'float',
             'frozenset', 'int', 'list', 'set', 'slice', 'str', 'tuple')
# numpy moved numpy.core to numpy._core in 2.0; its pickles name either
_NUMPY = {
    ('numpy', 'ndarray'): np.ndarray,
    ('numpy', 'dtype'): np.dtype,
    ('multiarray', '_reconstruct'): np._core.multiarray._reconstruct,
    ('multiarray', 'scalar'): np._core.multiarray.scalar,
    ('numeric', '_frombuffer'): np._core.numeric._frombuffer,
}


def _storage_from_bytes(data: bytes):
    """``torch.storage._load_from_bytes`` without its full unpickling."""
    return torch.load(io.BytesIO(data), weights_only=True)


_TORCH = {
    ('torch._utils', '_rebuild_tensor_v2'): torch._utils._rebuild_tensor_v2,
    ('torch.storage', '_load_from_bytes'): _storage_from_bytes,
}
_OTHERS = {
    ('collections', 'OrderedDict'): collections.OrderedDict,
    ('_codecs', 'encode'): codecs.encode,  # bytes in protocol 2
}


class UnsafePickleError(DataError):
    """A data pickle names a global outside the allow-list."""


def allowed_global(module: str, name: str) -> Optional[Callable]:
    """The object a data pickle may name as ``module.name``, else None."""
    if module in ('builtins', '__builtin__') and name in _BUILTINS:
        return getattr(builtins, name)
    if module in ('numpy', 'numpy.dtypes'):
        # ndarray, dtype or a dtype class; never the modules' other globals
        # (functions, ``__builtins__``)
        obj = _NUMPY.get(('numpy', name)) or getattr(np.dtypes, name, None)
        return obj if isinstance(obj, type) and issubclass(
            obj, (np.ndarray, np.dtype)) else None
    if module.startswith(('numpy.core.', 'numpy._core.')):
        return _NUMPY.get((module.rsplit('.', 1)[1], name))
    if module == 'torch' and isinstance(getattr(torch, name, None),
                                        torch.dtype):
        return getattr(torch, name)
    return _TORCH.get((module, name)) or _OTHERS.get((module, name))


class _Unpickler(pickle.Unpickler):

    def find_class(self, module: str, name: str) -> Any:
        obj = allowed_global(module, name)
        if obj is None:
            raise UnsafePickleError(f'{module}.{name}')
        return obj


def _load_stream(stream: BinaryIO, source: str, what: str) -> Any:
    try:
        return _Unpickler(stream).load()
    except UnsafePickleError as err:
        raise UnsafePickleError(
            f"{source}: refused to unpickle global '{err}' (data files may "
            'hold only containers, numbers, strings and arrays; this one '
            'would run code)') from None
    except DataError:
        raise
    except Exception as err:  # any way a non-pickle fails to parse
        raise data_error(source, f'cannot read it as a {what} '
                         f'({type(err).__name__}: {err})') from None


def safe_load(path: str, what: str = 'pickle file') -> Any:
    """Unpickle ``path`` admitting only data types (see module doc)."""
    if not osp.isfile(path):
        raise missing_file(what, path)
    with open(path, 'rb') as f:
        return _load_stream(f, path, what)


def _npy_header(f: BinaryIO, path: str) -> Tuple[tuple, bool, np.dtype]:
    try:
        version = npy_format.read_magic(f)
        read = (npy_format.read_array_header_1_0 if version == (1, 0)
                else npy_format.read_array_header_2_0)
        return read(f)
    except ValueError as err:
        raise data_error(path, f'not a numpy .npy file ({err})') from None


def safe_np_load(path: str, mmap_mode: Optional[str] = None) -> np.ndarray:
    """``np.load`` of one ``.npy``; object arrays (pickled, as HAAN's
    annotation files are) go through the restricted unpickler."""
    if not osp.isfile(path):
        raise missing_file('array file', path)
    with open(path, 'rb') as f:
        shape, _, dtype = _npy_header(f, path)
        if dtype.hasobject:
            array = _load_stream(f, path, 'pickled numpy object array')
            if not isinstance(array, np.ndarray) or array.shape != shape:
                raise data_error(path, f'object array payload does not match '
                                 f'its header shape {shape}')
            return array
    return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)


