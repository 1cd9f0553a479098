"""Writes that never leave a half-written file behind."""
import contextlib
import errno
import os
import os.path as osp
import pickle
import tempfile
from typing import Any, Iterator

#: errors that mean "this file cannot be written here", not a bug
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO,
                 errno.EROFS, errno.EACCES}


class WriteError(OSError):
    """A file could not be written (disk full, read-only...)."""


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def plain_file_mode() -> int:
    """The mode a plain ``open(path, 'w')`` gives a new file (mkstemp's
    temporary files are 0600)."""
    return 0o666 & ~_current_umask()


@contextlib.contextmanager
def atomic_write(path: str, mode: str = 'wb', **open_kwargs) -> Iterator:
    """Open a temporary file next to ``path``; move it over ``path`` on success.

    A crash or exception inside the block leaves any existing ``path`` intact;
    a full disk (or another write failure) raises :class:`WriteError`.
    """
    try:
        with _replace_on_success(path, mode, **open_kwargs) as f:
            yield f
    except OSError as err:
        if err.errno not in _WRITE_ERRNOS:
            raise
        raise WriteError(f'cannot write {path}: {err.strerror} (any previous '
                         'file there is unchanged)') from err


@contextlib.contextmanager
def _replace_on_success(path: str, mode: str, **open_kwargs) -> Iterator:
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                               suffix='.tmp', dir=directory)
    os.chmod(tmp, plain_file_mode())
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def atomic_pickle_dump(obj: Any, path: str) -> None:
    with atomic_write(path, 'wb') as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
