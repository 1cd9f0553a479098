"""Stop training at the first non-finite loss, keeping the last good checkpoint."""
import math
from typing import Optional

import torch
from mmengine.hooks import Hook

from mmaction.registry import HOOKS
from ..last_checkpoint import read_last_checkpoint


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or Inf."""


def _as_float(value) -> Optional[float]:
    if isinstance(value, torch.Tensor):
        return float(value.detach().float().mean()) if value.numel() else None
    return float(value) if isinstance(value, (int, float)) else None


@HOOKS.register_module()
class NanGuardHook(Hook):
    """Raise :class:`TrainingDivergedError` when ``loss`` is not finite.

    Runs right after each training iteration, before any checkpoint of that
    iteration is written, so the checkpoints on disk all hold finite weights.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if not outputs or 'loss' not in outputs:
            return
        loss = _as_float(outputs['loss'])
        if loss is None or math.isfinite(loss):
            return
        bad = [k for k, v in outputs.items()
               if (f := _as_float(v)) is not None and not math.isfinite(f)]
        kept = read_last_checkpoint(runner.work_dir) or 'none saved yet'
        raise TrainingDivergedError(
            f'loss became {loss} at epoch {runner.epoch + 1}, iter '
            f'{runner.iter + 1} (non-finite: {", ".join(bad)}); training '
            f'stopped. Last good checkpoint: {kept}. Lower the learning rate '
            'or check the data, then --resume.')
