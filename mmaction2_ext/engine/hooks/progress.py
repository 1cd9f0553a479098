"""Every phase shows progress: the logging interval scales with the loader.

A config's ``LoggerHook.interval`` (say 200) can exceed the iterations of an
epoch, a validation or a test (150 HAAN FineGym test videos): that phase
then logs nothing until it ends. This hook caps the interval, per phase, at
about a tenth of that phase's loader length (at least 1); a smaller
configured interval is kept. A run that ends before its first validation
(``train_cfg.val_begin`` beyond its last epoch or iteration) says so once,
instead of skipping validation silently.
"""
import math

from mmengine.hooks import Hook, LoggerHook

from mmaction.registry import HOOKS

#: log about this many lines per phase at most
LINES_PER_PHASE = 10


def progress_interval(configured: int, num_iters: int) -> int:
    """``configured``, capped at ``num_iters / LINES_PER_PHASE`` (>= 1)."""
    return max(1, min(configured, math.ceil(num_iters / LINES_PER_PHASE)))


@HOOKS.register_module()
class ProgressIntervalHook(Hook):
    """Cap ``LoggerHook.interval`` at a tenth of the running loader."""

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._configured = None
        self._train_interval = None  # restored after a mid-training val

    @staticmethod
    def _logger(runner):
        return next((h for h in runner.hooks if isinstance(h, LoggerHook)),
                    None)

    def _set(self, runner, loader):
        logger = self._logger(runner)
        if logger is None or not hasattr(loader, '__len__'):
            return None
        if self._configured is None:
            self._configured = logger.interval
        logger.interval = progress_interval(self._configured, len(loader))
        return logger.interval

    def before_train(self, runner) -> None:
        loop, val_loop = runner.train_loop, runner.val_loop
        by_epoch = hasattr(loop, 'max_epochs')
        end = loop.max_epochs if by_epoch else loop.max_iters
        begin = getattr(loop, 'val_begin', 1)
        if val_loop is not None and begin > end:
            unit = 'epoch' if by_epoch else 'iteration'
            runner.logger.warning(
                f'no validation in this run: it ends at {unit} {end}, before '
                f'train_cfg.val_begin={begin} (no val metric, no best '
                'checkpoint); lower val_begin to validate')

    def before_train_epoch(self, runner) -> None:
        self._train_interval = self._set(runner, runner.train_dataloader)

    def before_val_epoch(self, runner) -> None:
        self._set(runner, runner.val_dataloader)

    def after_val_epoch(self, runner, metrics=None) -> None:
        logger = self._logger(runner)
        if logger is not None and self._train_interval is not None:
            logger.interval = self._train_interval

    def before_test_epoch(self, runner) -> None:
        self._set(runner, runner.test_dataloader)
