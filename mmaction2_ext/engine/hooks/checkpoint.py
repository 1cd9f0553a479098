"""``SafeCheckpointHook``: checkpoint rotation that never loses the only good
checkpoint (docs/compat.md has the upstream report).

mmengine 0.10.7's ``CheckpointHook`` removes the checkpoint that
``max_keep_ckpts`` drops (and the previous ``best_*.pth``) *before* it writes
the new one, writes checkpoints into their final name and ``last_checkpoint``
with a plain ``open()``. A kill in between leaves ``last_checkpoint`` naming a
deleted file, or empty, and with ``max_keep_ckpts=1`` nothing to resume from
at all. This subclass:

- saves through the ``atomic_local`` file backend (temporary file + rename)
  unless ``backend_args`` names another;
- writes the new checkpoint, then ``last_checkpoint`` (atomically), and only
  then removes what rotation drops; the same for ``save_best`` files;
- on resume (with :class:`~mmaction2_ext.engine.SafeRunner`), removes what a
  kill kept rotation from removing: checkpoints older than those
  ``max_keep_ckpts`` keeps and best checkpoints that are no longer the best
  (never the resumed file, nor files of other names); at every start, the
  temporary files of interrupted saves.

What is saved (``keep_ckpt_ids``, ``best_ckpt`` in the message hub) is the
same as stock, so checkpoints of either hook resume alike.
"""
import contextlib
import os
import os.path as osp
import re
from typing import List

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from mmaction.registry import HOOKS
from ..fileio import ATOMIC_BACKEND
from ..last_checkpoint import write_last_checkpoint

# temporary files of utils.io.atomic_write for what the hook saves
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


def _older(names: List[str], prefix: str, step_name: re.Pattern,
           step: int) -> List[str]:
    """``prefix`` + a ``step_name`` file of a step below ``step``."""
    return [n for n in names if n.startswith(prefix) and
            (m := step_name.match(n[len(prefix):])) and int(m.group(1)) < step]


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` (same arguments) whose saves, rotation and
    ``last_checkpoint`` survive a kill at any instant (see the module doc)."""

    def __init__(self, *args, backend_args=None, file_client_args=None,
                 **kwargs):
        if backend_args is None and file_client_args is None:
            backend_args = dict(backend=ATOMIC_BACKEND)
        super().__init__(*args, backend_args=backend_args,
                         file_client_args=file_client_args, **kwargs)

    @contextlib.contextmanager
    def _removals_last(self):
        """Inside the block, removals wait until the block ends (nested
        blocks wait for the outermost one); skipped if a save fails."""
        if isinstance(self.file_backend, _DeferredRemovals):
            yield
            return
        deferred = _DeferredRemovals(self.file_backend)
        self.file_backend = deferred
        try:
            yield
        finally:
            self.file_backend = deferred.backend
        for remove, path in deferred.pending:
            with contextlib.suppress(FileNotFoundError):
                remove(path)

    def _drop_oldest_kept(self, runner, step: int) -> None:
        """``max_keep_ckpts`` bookkeeping as stock (the saved message hub
        holds the same ``keep_ckpt_ids``); the dropped file is removed
        through the (deferred) file backend."""
        if self.max_keep_ckpts <= 0 or (self.keep_ckpt_ids and
                                        self.keep_ckpt_ids[-1] == step):
            return  # the best-checkpoint path re-saves the same step
        if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
            dropped = self.file_backend.join_path(
                self.out_dir,
                self.filename_tmpl.format(self.keep_ckpt_ids.popleft()))
            if is_main_process():
                if self.file_backend.isdir(dropped):  # deepspeed: folders
                    self.file_backend.rmtree(dropped)
                else:
                    self.file_backend.remove(dropped)
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids',
                                       list(self.keep_ckpt_ids))

    def _save_checkpoint_with_step(self, runner, step, meta):
        """Save ``filename_tmpl.format(step)``, point ``last_checkpoint`` at
        it, then remove the checkpoint that ``max_keep_ckpts`` drops."""
        with self._removals_last():
            self._drop_oldest_kept(runner, step)
            filename = self.filename_tmpl.format(step)
            self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                         filename)
            runner.message_hub.update_info('last_ckpt', self.last_ckpt)
            runner.save_checkpoint(
                self.out_dir, filename, self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler, meta=meta,
                by_epoch=self.by_epoch, backend_args=self.backend_args,
                **self.args)
            if is_main_process():
                write_last_checkpoint(runner.work_dir, self.last_ckpt)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        """Stock logic; the previous best file is removed after the new best
        and the re-saved step checkpoint are written."""
        with self._removals_last():
            super()._save_best_checkpoint(runner, metrics)

    def _step_name(self) -> re.Pattern:
        """``filename_tmpl`` as a pattern capturing the step."""
        return re.compile('^' + re.escape(self.filename_tmpl).replace(
            re.escape('{}'), r'(\d+)') + '$')

    def _current_bests(self) -> dict:
        """save_best key -> path of its current best checkpoint (or None)."""
        if self.save_best is None:
            return {}
        if len(self.key_indicators) == 1:
            return {self.key_indicators[0]: self.best_ckpt_path}
        return dict(self.best_ckpt_path_dict)

    def _rotated_out(self, names: List[str], resumed: str) -> List[str]:
        """Of ``names`` (in ``out_dir``), what rotation removes but an
        interrupted run left: step checkpoints older than the oldest one
        ``max_keep_ckpts`` keeps, and best checkpoints older than the
        current best of their key. Never ``resumed``; later files (of a run
        that went on beyond an older resumed checkpoint) stay, as stock
        leaves them."""
        step_name = self._step_name()
        keep = list(getattr(self, 'keep_ckpt_ids', []))
        stale = _older(names, '', step_name, min(keep)) \
            if self.max_keep_ckpts > 0 and keep else []
        for key, current in self._current_bests().items():
            prefix = f'best_{key}_'.replace('/', '_')
            name = osp.basename(current or '')
            best = step_name.match(name[len(prefix):]) \
                if name.startswith(prefix) else None
            if best:  # no known best: any best file may be it
                stale += _older(names, prefix, step_name, int(best.group(1)))
        return [n for n in stale if osp.abspath(osp.join(self.out_dir, n)) !=
                osp.abspath(resumed)]

    def _remove_leftovers(self, runner, names: List[str], what: str) -> None:
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                os.remove(osp.join(self.out_dir, name))
        if names:
            runner.logger.warning(f'Removed {len(names)} {what} from '
                                  f'{self.out_dir}: {", ".join(names)}')

    def before_train(self, runner) -> None:
        """Stock set-up, then remove the temporary files of saves that a
        kill interrupted (they can be as large as a checkpoint) and, on
        resume, the checkpoints it kept rotation from removing."""
        super().before_train(runner)
        if not is_main_process() or not osp.isdir(self.out_dir):
            return
        names = sorted(os.listdir(self.out_dir))
        self._remove_leftovers(
            runner, [n for n in names if _UNFINISHED_SAVE.match(n)],
            'unfinished checkpoint file(s) of an interrupted save')
        resumed = getattr(runner, '_resumed_from', None)
        if resumed:
            self._remove_leftovers(
                runner, self._rotated_out(names, resumed),
                'checkpoint(s) that rotation drops but an interrupted run left')
