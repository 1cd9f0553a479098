"""Atomic local writes for what mmengine saves through its file backend
(checkpoints, ``--dump`` pickles); ``last_checkpoint``, which mmengine writes
with a plain ``open()``, is handled by ``checkpoint_rotation``.

mmengine's ``LocalBackend.put`` opens the target and writes into it, so a kill
during a save leaves a truncated ``epoch_N.pth`` that ``--resume`` then picks.
We register a local backend that writes a temporary file beside the target and
renames it into place: readers see the old file or the new one, never half.
"""
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

from ..utils.io import atomic_write


class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` whose ``put``/``put_text`` replace files atomically."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        with atomic_write(str(filepath), 'wb') as f:
            f.write(obj)

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        with atomic_write(str(filepath), 'w', encoding=encoding) as f:
            f.write(obj)


def install_atomic_local_backend() -> None:
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
