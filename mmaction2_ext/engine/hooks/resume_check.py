"""Fail loudly when ``tools/train.py --resume PATH`` did not resume from PATH
(stock goes on from wherever the runner started, e.g. epoch 1)."""
import os.path as osp

from mmengine.hooks import Hook

from mmaction.registry import HOOKS
from ...compat.checkpoint import CheckpointError


@HOOKS.register_module()
class ResumeCheckHook(Hook):
    """Stop before the first iteration unless the runner resumed from
    ``checkpoint`` (``SafeRunner`` records the file it resumed from)."""

    priority = 'HIGHEST'

    def __init__(self, checkpoint: str) -> None:
        self.checkpoint = checkpoint

    def before_train(self, runner) -> None:
        if not hasattr(runner, '_resumed_from'):
            happened = (f'runner {type(runner).__name__} does not record what '
                        "it resumed from; use runner_type='SafeRunner'")
        elif runner._resumed_from is None:
            happened = 'it did not resume'
        elif osp.realpath(runner._resumed_from) != \
                osp.realpath(self.checkpoint):
            happened = f'it resumed from {runner._resumed_from}'
        else:
            return
        raise CheckpointError(
            f'--resume {self.checkpoint}: training would not continue from '
            f'this checkpoint ({happened}); nothing was trained')
