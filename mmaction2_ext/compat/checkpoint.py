"""Safe checkpoint loading on torch >= 2.6 (docs/compat.md).

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; torch >= 2.6 then
refuses mmengine's own resume files (they pickle the message hub). We replace
mmengine's local and http checkpoint loaders with weights-only loading plus an
explicit allow-list of the few harmless globals that official checkpoints and
mmengine resume files contain. Anything else is refused with a message telling
the user how to opt in for a file they trust; a file torch cannot read at all
is refused with what it is (:mod:`.checkpoint_files`).
"""
import os
import os.path as osp
import pickle
import re
import warnings
from typing import Any, Optional

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from .checkpoint_files import describe_unreadable, load_error_reason

TRUST_ENV = 'MMACTION2_EXT_TRUST_CHECKPOINTS'


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used; the message names the file."""


class UnsafeCheckpointError(CheckpointError):
    """A checkpoint needs globals outside the allow-list."""


def _numpy_globals() -> list:
    """numpy pieces that appear in pickled arrays, scalars and dtypes."""
    dtype_classes = [
        getattr(np.dtypes, name) for name in dir(np.dtypes)
        if name.endswith('DType') and isinstance(getattr(np.dtypes, name), type)
    ]
    return [
        np._core.multiarray._reconstruct, np._core.multiarray.scalar,
        np.ndarray, np.dtype, *dtype_classes
    ]


def _history_buffer_getattr(owner: Any, name: str) -> Any:
    """Restricted ``getattr``: only the public methods of ``HistoryBuffer``,
    which mmengine's message hub pickles as ``getattr(HistoryBuffer, 'min')``."""
    if owner is HistoryBuffer and not name.startswith('_') and callable(
            getattr(HistoryBuffer, name, None)):
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'getattr({owner!r}, {name!r}) is outside the allow-list')


def safe_globals() -> list:
    """The allow-list used for every weights-only load."""
    return [
        HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr'),
        *_numpy_globals()
    ]


def _trusted() -> bool:
    return os.environ.get(TRUST_ENV, '').lower() in ('1', 'true', 'yes')


def _unsafe_reason(err: BaseException) -> Optional[str]:
    """Why a well-formed file was refused by the allow-list, else None."""
    found = re.search(r'Unsupported global: GLOBAL (\S+)', str(err))
    if found:
        return f'needs {found.group(1)}'
    if isinstance(err, pickle.UnpicklingError) and 'allow-list' in str(err):
        return load_error_reason(err)
    return None


def _torch_load(source: Any, map_location: Optional[Any]) -> Any:
    with warnings.catch_warnings():
        # plain pickles warn before failing; the failure is explained instead
        warnings.filterwarnings('ignore', message='Detected pickle protocol')
        if _trusted():
            return torch.load(source, map_location=map_location,
                              weights_only=False)
        with torch.serialization.safe_globals(safe_globals()):
            return torch.load(source, map_location=map_location,
                              weights_only=True)


def safe_torch_load(source: Any, map_location: Optional[Any] = None,
                    name: Optional[str] = None) -> Any:
    """``torch.load`` with ``weights_only=True`` and our allow-list.

    Args:
        source: path or file-like object.
        name: how to call the file in error messages (defaults to ``source``).

    Raises:
        UnsafeCheckpointError: the file pickles other objects; set
            ``MMACTION2_EXT_TRUST_CHECKPOINTS=1`` to load a trusted file fully.
        CheckpointError: the file is not a readable checkpoint.
    """
    name = name or source
    try:
        return _torch_load(source, map_location)
    except Exception as err:  # noqa: BLE001  (classified below)
        unsafe = _unsafe_reason(err)
        if unsafe:
            raise UnsafeCheckpointError(
                f'{name}: refusing to unpickle objects outside the '
                f'weights-only allow-list ({unsafe}). If you trust this file, '
                f'load it fully with {TRUST_ENV}=1 (or tools/*.py '
                '--trust-checkpoint).') from None
        if not isinstance(source, (str, os.PathLike)):
            raise
        problem = describe_unreadable(source, err)
        raise CheckpointError(
            f'{name}: cannot read the checkpoint: {problem}') from err


def load_from_local(filename: str, map_location=None) -> Any:
    """mmengine's local scheme, weights-only."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    return safe_torch_load(filename, map_location)


def load_from_http(filename: str, map_location=None, model_dir=None) -> Any:
    """mmengine's http(s) scheme, weights-only, cached by ``torch.hub``."""
    cached = osp.join(model_dir or osp.join(torch.hub.get_dir(), 'checkpoints'),
                      osp.basename(filename.split('?')[0]))
    if not osp.isfile(cached):
        os.makedirs(osp.dirname(cached), exist_ok=True)
        torch.hub.download_url_to_file(filename, cached, progress=True)
    return safe_torch_load(cached, map_location, name=filename)


def install_safe_loaders() -> None:
    CheckpointLoader.register_scheme(prefixes='', force=True)(load_from_local)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), force=True)(load_from_http)
