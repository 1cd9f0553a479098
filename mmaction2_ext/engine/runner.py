"""``SafeRunner``: mmengine's ``Runner`` with checked checkpoint loading, a
resume that survives a damaged ``last_checkpoint``, and ``--deterministic``
that trains on CUDA (docs/compat.md). Configs select it with
``runner_type = 'SafeRunner'`` (``configs/_base_/default_runtime.py``).

- ``load_checkpoint`` / ``resume`` refuse damaged or unfitting checkpoints
  with one clear message (:mod:`mmaction2_ext.compat.checkpoint_fit`): stock
  loads any file non-strictly and only logs what did not match.
- Auto-resume (``resume=True`` without ``load_from``) takes
  ``last_checkpoint``'s target only when it is complete, else the newest
  complete checkpoint (:func:`.last_checkpoint.find_latest_checkpoint`);
  a missing ``load_from`` file is one error that says how to get it and how
  to start without it.
- ``_resumed_from`` keeps the resumed file's path (``SafeCheckpointHook``
  spares it, ``ResumeCheckHook`` checks it).
- ``randomness.deterministic``: stock turns on PyTorch's strict mode, which
  stops the first backward of every 3D CNN on CUDA
  (``max_pool3d_with_indices_backward_cuda`` has no deterministic kernel,
  open-mmlab/mmaction2 discussion #2394) and every matmul unless
  ``CUBLAS_WORKSPACE_CONFIG`` was set first. Here deterministic mode is
  warn-only (ops with a deterministic kernel use it, the others warn once)
  with the cuBLAS setting PyTorch asks for. On the CPU nothing changes.
"""
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)

from mmaction.registry import RUNNERS
from ..compat.checkpoint import CheckpointError
from ..compat.checkpoint_fit import (check_fit, check_resumable,
                                     checkpoint_state_dict)
from ..utils.download import WEIGHT_FILES
from .last_checkpoint import find_latest_checkpoint

# the smaller of the two settings PyTorch's reproducibility notes give
CUBLAS_SETTING = ':4096:8'


def check_load_from(path: Optional[str]) -> None:
    """Refuse a local ``load_from`` file that does not exist, saying how to
    get it (:data:`~mmaction2_ext.utils.download.WEIGHT_FILES`) and how to
    train without it."""
    if path is None or '://' in path or osp.isfile(path):
        return
    known = WEIGHT_FILES.get(osp.basename(path))
    get = f'; get it with {known}' if known else ''
    raise CheckpointError(
        f'load_from {path}: no such file{get}; to train from scratch '
        'instead, use --cfg-options load_from=None')


@RUNNERS.register_module()
class SafeRunner(Runner):
    """``Runner`` with the checks and fallbacks of the module doc; built
    like it (``runner_type='SafeRunner'``)."""

    _resuming_from: Optional[str] = None
    _resumed_from: Optional[str] = None

    def set_randomness(self, seed, diff_rank_seed: bool = False,
                       deterministic: bool = False) -> None:
        """Stock seeding; deterministic mode warn-only (called at build and
        again at resume)."""
        if deterministic:
            # read by PyTorch at the first cuBLAS call, so before any
            os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', CUBLAS_SETTING)
        super().set_randomness(seed, diff_rank_seed, deterministic)
        if deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)

    def load_or_resume(self) -> None:
        """Stock, except that auto-resume falls back to the newest complete
        checkpoint when ``last_checkpoint`` names none, and that a missing
        ``load_from`` file says how to get it or start without it."""
        if self._has_loaded:
            return None
        if not self._resume:
            check_load_from(self._load_from)
        if not self._resume or self._load_from is not None:
            return super().load_or_resume()
        latest = find_latest_checkpoint(self.work_dir)
        self.logger.info(f'Auto resumed from the latest checkpoint {latest}.')
        if latest is not None:
            self.resume(latest)
            self._has_loaded = True

    def load_checkpoint(self, filename: str, map_location='cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]):  # noqa: B006
        """Stock ``load_checkpoint``, with the file checked before any hook
        sees it and the fit checked before the model loads it."""
        checkpoint = _load_checkpoint(filename, map_location=map_location)
        checkpoint_state_dict(checkpoint, filename)
        if self._resuming_from == filename:
            check_resumable(checkpoint, filename)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) \
            else self.model
        check_fit(model, checkpoint_state_dict(checkpoint, filename),
                  filename, self.cfg.get('load_partial', False), self.logger,
                  revise_keys)
        checkpoint = _load_checkpoint_to_model(model, checkpoint, strict,
                                               revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def resume(self, filename: str, *args, **kwargs) -> None:
        """Stock ``resume``; the file must hold a training state."""
        self._resuming_from = filename
        try:
            super().resume(filename, *args, **kwargs)
        finally:
            self._resuming_from = None
        self._resumed_from = filename
