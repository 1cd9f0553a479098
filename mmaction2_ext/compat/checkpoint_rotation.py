"""Checkpoint rotation that never loses the only good checkpoint.

mmengine 0.10.7's ``CheckpointHook`` removes the checkpoint that
``max_keep_ckpts`` drops (and the previous ``best_*.pth``) *before* it writes
the new one, then writes ``last_checkpoint`` with a plain ``open()``. A kill
in between leaves ``last_checkpoint`` naming a deleted file, or empty, and
with ``max_keep_ckpts=1`` nothing to resume from at all. This repair, applied
to mmengine's class itself so that every config gets it:

- writes the new checkpoint, then ``last_checkpoint`` (atomically), and only
  then removes what rotation drops; the same for ``save_best`` files;
- makes ``--resume`` fall back to the newest complete checkpoint in the work
  dir when ``last_checkpoint`` is missing, empty or names a missing or
  incomplete file, and say so;
- on resume, removes what a kill kept rotation from removing: checkpoints
  older than those ``max_keep_ckpts`` keeps and best checkpoints that are no
  longer the best (never the resumed file, nor files of other names).

What is saved (``keep_ckpt_ids``, ``best_ckpt`` in the message hub) is the
same as stock, so checkpoints written before and after the repair resume alike.
"""
import contextlib
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional

import mmengine.runner
import mmengine.runner._flexible_runner
import mmengine.runner.checkpoint
import mmengine.runner.runner
from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from ..utils.io import atomic_write

LAST_CHECKPOINT = 'last_checkpoint'
_CHECKPOINT_NAME = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')
# temporary files of utils.io.atomic_write for what CheckpointHook saves
_UNFINISHED_SAVE = re.compile(
    r'^\.(?:(?:epoch|iter)_\d+\.pth|best_.*\.pth|last_checkpoint)\.\w+\.tmp$')


class _DeferredRemovals:
    """File backend stand-in that records ``remove``/``rmtree`` calls (to run
    after the new files are in place) and passes everything else through."""

    def __init__(self, backend):
        self.backend = backend
        self.pending: List[tuple] = []

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def remove(self, path) -> None:
        self.pending.append((self.backend.remove, path))

    def rmtree(self, path) -> None:
        self.pending.append((self.backend.rmtree, path))


@contextlib.contextmanager
def _removals_last(hook: CheckpointHook):
    """Inside the block, removals by ``hook`` wait until the block ends
    (nested blocks wait for the outermost one)."""
    if isinstance(hook.file_backend, _DeferredRemovals):
        yield
        return
    deferred = _DeferredRemovals(hook.file_backend)
    hook.file_backend = deferred
    try:
        yield
    finally:
        hook.file_backend = deferred.backend
    # Only reached when every save of the block succeeded.
    for remove, path in deferred.pending:
        with contextlib.suppress(FileNotFoundError):
            remove(path)


def write_last_checkpoint(work_dir: str, checkpoint: str) -> None:
    """Point ``work_dir/last_checkpoint`` at ``checkpoint``, atomically."""
    with atomic_write(osp.join(work_dir, LAST_CHECKPOINT), 'w') as f:
        f.write(checkpoint)


def _drop_oldest_kept(hook: CheckpointHook, runner, step: int) -> None:
    """``max_keep_ckpts`` bookkeeping as stock (the saved message hub holds
    the same ``keep_ckpt_ids``); the dropped file is removed through the
    (deferred) file backend."""
    if hook.max_keep_ckpts <= 0 or (hook.keep_ckpt_ids and
                                    hook.keep_ckpt_ids[-1] == step):
        return  # the best-checkpoint path re-saves the same step
    if len(hook.keep_ckpt_ids) == hook.max_keep_ckpts:
        dropped = hook.file_backend.join_path(
            hook.out_dir, hook.filename_tmpl.format(hook.keep_ckpt_ids.popleft()))
        if is_main_process():
            if hook.file_backend.isdir(dropped):  # deepspeed saves folders
                hook.file_backend.rmtree(dropped)
            else:
                hook.file_backend.remove(dropped)
    hook.keep_ckpt_ids.append(step)
    runner.message_hub.update_info('keep_ckpt_ids', list(hook.keep_ckpt_ids))


def _save_checkpoint_with_step(self, runner, step, meta):
    """Save ``filename_tmpl.format(step)``, point ``last_checkpoint`` at it,
    then remove the checkpoint that ``max_keep_ckpts`` drops."""
    with _removals_last(self):
        _drop_oldest_kept(self, runner, step)
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir, filename, self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler, meta=meta,
            by_epoch=self.by_epoch, backend_args=self.backend_args,
            **self.args)
        if is_main_process():
            write_last_checkpoint(runner.work_dir, self.last_ckpt)


def _save_best_checkpoint(self, runner, metrics):
    """Stock logic; the previous best file is removed after the new best and
    the re-saved epoch checkpoint are written."""
    with _removals_last(self):
        _stock_save_best_checkpoint(self, runner, metrics)


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


def read_last_checkpoint(work_dir: str) -> Optional[str]:
    """What ``work_dir/last_checkpoint`` names ('' if empty, None if the
    file is missing)."""
    marker = osp.join(work_dir, LAST_CHECKPOINT)
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        return f.read().strip()


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


def _step_name(hook: CheckpointHook) -> re.Pattern:
    """``filename_tmpl`` as a pattern capturing the step."""
    return re.compile('^' + re.escape(hook.filename_tmpl).replace(
        re.escape('{}'), r'(\d+)') + '$')


def _current_bests(hook: CheckpointHook) -> dict:
    """save_best key -> path of its current best checkpoint (None: none)."""
    if hook.save_best is None:
        return {}
    if len(hook.key_indicators) == 1:
        return {hook.key_indicators[0]: hook.best_ckpt_path}
    return dict(hook.best_ckpt_path_dict)


def _older(names: List[str], prefix: str, step_name: re.Pattern,
           step: int) -> List[str]:
    """``prefix`` + a ``step_name`` file of a step below ``step``."""
    return [n for n in names if n.startswith(prefix) and
            (m := step_name.match(n[len(prefix):])) and int(m.group(1)) < step]


def _rotated_out(hook: CheckpointHook, names: List[str],
                 resumed: str) -> List[str]:
    """Of ``names`` (in ``out_dir``), what this hook's rotation removes but
    an interrupted run left: its step checkpoints older than the oldest one
    ``max_keep_ckpts`` keeps, and its best checkpoints older than the current
    best of their key. Never ``resumed``; later files (of a run that went on
    beyond an older resumed checkpoint) stay, as stock leaves them."""
    step_name = _step_name(hook)
    keep = list(getattr(hook, 'keep_ckpt_ids', []))
    stale = _older(names, '', step_name, min(keep)) \
        if hook.max_keep_ckpts > 0 and keep else []
    for key, current in _current_bests(hook).items():
        prefix = f'best_{key}_'.replace('/', '_')
        name = osp.basename(current or '')
        best = step_name.match(name[len(prefix):]) \
            if name.startswith(prefix) else None
        if best:  # no known best: any best file may be it
            stale += _older(names, prefix, step_name, int(best.group(1)))
    return [n for n in stale if osp.abspath(osp.join(hook.out_dir, n)) !=
            osp.abspath(resumed)]


def _remove_leftovers(runner, out_dir: str, names: List[str],
                      what: str) -> None:
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            os.remove(osp.join(out_dir, name))
    if names:
        runner.logger.warning(f'Removed {len(names)} {what} from {out_dir}: '
                              f'{", ".join(names)}')


def _before_train(self, runner):
    """Stock set-up, then remove the temporary files of saves that a kill
    interrupted (they can be as large as a checkpoint) and, on resume, the
    checkpoints it kept rotation from removing."""
    _stock_before_train(self, runner)
    if not is_main_process() or not osp.isdir(self.out_dir):
        return
    names = sorted(os.listdir(self.out_dir))
    _remove_leftovers(runner, self.out_dir,
                      [n for n in names if _UNFINISHED_SAVE.match(n)],
                      'unfinished checkpoint file(s) of an interrupted save')
    resumed = getattr(runner, '_resumed_from', None)
    if resumed:
        _remove_leftovers(
            runner, self.out_dir, _rotated_out(self, names, resumed),
            'checkpoint(s) that rotation drops but an interrupted run left')


_stock_save_best_checkpoint = CheckpointHook._save_best_checkpoint
_stock_before_train = CheckpointHook.before_train


def install_safe_checkpoint_rotation() -> None:
    CheckpointHook._save_checkpoint_with_step = _save_checkpoint_with_step
    CheckpointHook._save_best_checkpoint = _save_best_checkpoint
    CheckpointHook.before_train = _before_train
    for module in (mmengine.runner, mmengine.runner.checkpoint,
                   mmengine.runner.runner, mmengine.runner._flexible_runner):
        module.find_latest_checkpoint = find_latest_checkpoint
