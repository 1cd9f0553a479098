"""The ``atomic_local`` file backend: local writes that never leave half a file.

mmengine's ``LocalBackend.put`` opens the target and writes into it, so a kill
during a save leaves a truncated ``epoch_N.pth`` (or ``--dump`` pickle) under
its final name, and ``--resume`` then picks it. This backend writes a
temporary file beside the target and renames it into place: readers see the
old file or the new one, never half. It is registered under its own name
(mmengine's ``local`` is left as it is); :class:`~..hooks.SafeCheckpointHook`
selects it through ``backend_args``.
"""
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

from ..utils.io import atomic_write

#: ``backend_args=dict(backend=ATOMIC_BACKEND)`` selects it
ATOMIC_BACKEND = 'atomic_local'


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` whose ``put``/``put_text`` replace files atomically."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        with atomic_write(str(filepath), 'wb') as f:
            f.write(obj)

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        with atomic_write(str(filepath), 'w', encoding=encoding) as f:
            f.write(obj)
