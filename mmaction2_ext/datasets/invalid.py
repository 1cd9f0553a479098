"""Listing the samples a dataset skipped (``skip_invalid=True``)."""
import os.path as osp
from typing import List

from mmengine.logging import MMLogger

from ..utils import atomic_write


def invalid_list_path(name: str) -> str:
    """Where skipped samples are listed: the run's log dir in the work dir."""
    log_file = getattr(MMLogger.get_current_instance(), 'log_file', None)
    return osp.join(osp.dirname(log_file) if log_file else '.', name)


def report_skipped(source: str, name: str, lines: List[str],
                   append: bool = False) -> str:
    """Write ``lines`` to ``invalid_samples_<name>.txt`` and log a warning.

    ``append`` is for samples found while reading (one short write per
    sample, so data workers do not clobber each other); otherwise the list
    is written atomically. Returns the list's path.
    """
    path = invalid_list_path(f'invalid_samples_{name}.txt')
    text = ''.join(line + '\n' for line in lines)
    if append:
        with open(path, 'a') as f:
            f.write(text)
    else:
        with atomic_write(path, 'w') as f:
            f.write(text)
    MMLogger.get_current_instance().warning(
        f'{source}: skipped {len(lines)} invalid samples (skip_invalid=True), '
        f'listed in {path}')
    return path
