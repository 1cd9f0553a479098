"""Listing the samples a dataset skipped (``skip_invalid=True``)."""
import os.path as osp
import tempfile
from typing import List, Optional

from mmengine.logging import MMLogger

from ..utils import atomic_write


def invalid_list_path(name: str, directory: Optional[str] = None) -> str:
    """Where skipped samples are listed: ``directory`` if given, else the
    run's log dir (in a Runner), else the system temp dir, never the
    current one."""
    if directory is None:
        log_file = getattr(MMLogger.get_current_instance(), 'log_file', None)
        directory = osp.dirname(log_file) if log_file else tempfile.gettempdir()
    return osp.join(directory, name)


def _listed_samples(path: str) -> set:
    if not osp.isfile(path):
        return set()
    with open(path) as f:
        return {line.split('\t', 1)[0] for line in f}


def report_skipped(source: str, name: str, lines: List[str],
                   append: bool = False,
                   directory: Optional[str] = None) -> str:
    """Write ``lines`` (``sample<TAB>reason``) to ``invalid_samples_<name>.txt``
    and log a warning naming the file.

    ``append`` is for samples found while reading (one short write per
    sample, so data workers do not clobber each other); a sample already
    listed (skipped again in a later epoch) is not added again. Otherwise
    the list is written atomically. Returns the list's path.
    """
    path = invalid_list_path(f'invalid_samples_{name}.txt', directory)
    if append:
        listed = _listed_samples(path)
        lines = [line for line in lines if line.split('\t', 1)[0] not in listed]
        if not lines:
            return path
        with open(path, 'a') as f:
            f.write(''.join(line + '\n' for line in lines))
    else:
        with atomic_write(path, 'w') as f:
            f.write(''.join(line + '\n' for line in lines))
    MMLogger.get_current_instance().warning(
        f'{source}: skipped {len(lines)} invalid samples (skip_invalid=True), '
        f'listed in {path}')
    return path
