"""Safe checkpoint loading on torch >= 2.6 (stack.md B).

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; torch >= 2.6 then
refuses mmengine's own resume files (they pickle the message hub). We replace
mmengine's local and http checkpoint loaders with weights-only loading plus an
explicit allow-list of the few harmless globals that official checkpoints and
mmengine resume files contain. Anything else is refused with a message telling
the user how to opt in for a file they trust.
"""
import os
import os.path as osp
import pickle
import re
from typing import Any, Optional

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

TRUST_ENV = 'MMACTION2_EXT_TRUST_CHECKPOINTS'


class UnsafeCheckpointError(RuntimeError):
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


def safe_torch_load(source: Any, map_location: Optional[Any] = None,
                    name: Optional[str] = None) -> Any:
    """``torch.load`` with ``weights_only=True`` and our allow-list.

    Args:
        source: path or file-like object.
        name: how to call the file in error messages (defaults to ``source``).

    Raises:
        UnsafeCheckpointError: the file pickles other objects; set
            ``MMACTION2_EXT_TRUST_CHECKPOINTS=1`` to load a trusted file fully.
    """
    if _trusted():
        return torch.load(source, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(safe_globals()):
            return torch.load(source, map_location=map_location,
                              weights_only=True)
    except pickle.UnpicklingError as err:
        found = re.search(r'Unsupported global: GLOBAL (\S+)', str(err))
        reason = f'needs {found.group(1)}' if found else str(err).strip()
        raise UnsafeCheckpointError(
            f'{name or source}: refusing to unpickle objects outside the '
            f'weights-only allow-list ({reason}). If you trust this file, '
            f'load it fully with {TRUST_ENV}=1 (or tools/*.py '
            '--trust-checkpoint).') from None


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
