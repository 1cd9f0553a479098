"""Seed every epoch from (seed, epoch) so that ``--resume`` is reproducible."""
import functools
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

    Data workers have RNGs of their own, seeded by mmengine's
    ``worker_init_fn`` from the run's seed alone: persistent workers would
    carry them across epochs (and restart them after a resume), other workers
    would repeat one epoch's augmentations. So each epoch starts fresh
    workers seeded from the epoch seed (persistent ones are respawned).
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
        reseed_workers(runner.train_dataloader, seed)


def reseed_workers(loader, seed: int) -> None:
    """Make the next epoch's workers of ``loader`` start from ``seed``
    (a ``worker_init_fn`` partial with a ``seed`` keyword, as mmengine's)."""
    init = getattr(loader, 'worker_init_fn', None)
    if not getattr(loader, 'num_workers', 0) or not isinstance(
            init, functools.partial) or 'seed' not in init.keywords:
        return
    loader.worker_init_fn = functools.partial(
        init.func, *init.args, **{**init.keywords, 'seed': seed})
    loader._iterator = None  # persistent workers: respawned with the seed
