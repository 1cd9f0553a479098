"""``work_dir/last_checkpoint`` and the complete checkpoints beside it: what
:class:`.SafeCheckpointHook` writes and :class:`.SafeRunner` resumes from.

mmengine's ``find_latest_checkpoint`` trusts ``last_checkpoint`` blindly; a
kill can leave it empty or naming a missing or truncated file.
"""
import os
import os.path as osp
import re
import zipfile
from typing import Optional

from mmengine.logging import print_log

from ..utils.io import atomic_write

LAST_CHECKPOINT = 'last_checkpoint'
_CHECKPOINT_NAME = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')


def write_last_checkpoint(work_dir: str, checkpoint: str) -> None:
    """Point ``work_dir/last_checkpoint`` at ``checkpoint``, atomically."""
    with atomic_write(osp.join(work_dir, LAST_CHECKPOINT), 'w') as f:
        f.write(checkpoint)


def read_last_checkpoint(work_dir: str) -> Optional[str]:
    """What ``work_dir/last_checkpoint`` names ('' if empty, None if the
    file is missing)."""
    marker = osp.join(work_dir, LAST_CHECKPOINT)
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        return f.read().strip()


def is_complete_checkpoint(path: str) -> bool:
    """A checkpoint file that ``torch.save`` finished (its zip directory,
    written last, is in place)."""
    return osp.isfile(path) and zipfile.is_zipfile(path)


def newest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The complete ``epoch_N.pth``/``iter_N.pth`` in ``work_dir`` with the
    largest N."""
    if not osp.isdir(work_dir):
        return None
    found = [(int(m.group(1)), name) for name in os.listdir(work_dir)
             if (m := _CHECKPOINT_NAME.match(name))]
    for _, name in sorted(found, reverse=True):
        path = osp.join(work_dir, name)
        if is_complete_checkpoint(path):
            return path
    return None


def find_latest_checkpoint(path: str) -> Optional[str]:
    """``last_checkpoint``'s target when it is a complete file, else the
    newest complete checkpoint in ``path`` (with a warning saying why)."""
    named = read_last_checkpoint(path)
    if named and is_complete_checkpoint(named):
        return named
    fallback = newest_complete_checkpoint(path)
    if named is None and fallback is None:
        print_log('Did not find last_checkpoint to be resumed.')
        return None
    if named is None:
        problem = 'is missing'
    elif not named:
        problem = 'is empty'
    else:
        problem = (f'names {named}, which is '
                   f'{"incomplete" if osp.exists(named) else "missing"}')
    outcome = (f'resuming from the newest complete checkpoint {fallback}'
               if fallback else 'no complete checkpoint to resume from')
    print_log(f'{osp.join(path, LAST_CHECKPOINT)} {problem}: {outcome}.',
              logger='current', level=30)
    return fallback
