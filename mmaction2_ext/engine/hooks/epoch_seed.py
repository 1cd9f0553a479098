"""Seed every epoch from (seed, epoch) so that ``--resume`` is reproducible."""
import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from mmaction.registry import HOOKS


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Re-seed ``random``, numpy and torch at the start of each training epoch.

    mmengine seeds once per run and does not save RNG states in checkpoints,
    so an epoch after ``--resume`` draws different augmentations than the same
    epoch of an uninterrupted run. Seeding from ``seed + epoch`` (plus the rank
    with ``diff_rank_seed``) makes both runs identical. ``runner.seed`` is the
    configured seed or the one mmengine drew, saved in and resumed from the
    checkpoint meta. Active with ``--deterministic`` (``randomness.
    deterministic=True``), the runs that promise reproducibility; other runs
    keep mmengine's single seeding.
    """

    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner) -> None:
        if not runner._randomness_cfg.get('deterministic', False):
            return
        seed = runner.seed + runner.epoch
        if runner._randomness_cfg.get('diff_rank_seed', False):
            seed += get_rank() * 100003  # keep ranks' epoch seeds apart
        seed %= 2**32
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
