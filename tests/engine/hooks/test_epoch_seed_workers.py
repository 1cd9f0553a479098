"""EpochSeedHook seeds data workers from (seed, epoch): an epoch draws the
same augmentations whether the run went straight there or was resumed, with
persistent workers too, and epochs differ from each other."""
from functools import partial
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.dataset import worker_init_fn
from torch.utils.data import DataLoader, Dataset

from mmaction2_ext.engine.hooks import EpochSeedHook


class RandomDraws(Dataset):
    """Each item is a draw from the worker's numpy RNG (an augmentation)."""

    def __len__(self):
        return 4

    def __getitem__(self, index):
        return np.random.rand()


def loader(persistent):
    return DataLoader(RandomDraws(), batch_size=2, num_workers=1,
                      persistent_workers=persistent,
                      worker_init_fn=partial(worker_init_fn, num_workers=1,
                                             rank=0, seed=0))


def draws(data, epochs):
    """Per epoch: what the loader yields after the hook's epoch seeding."""
    hook, out = EpochSeedHook(), {}
    for epoch in epochs:
        hook.before_train_epoch(SimpleNamespace(
            _randomness_cfg=dict(deterministic=True), seed=0, epoch=epoch,
            train_dataloader=data))
        out[epoch] = torch.cat(list(data)).tolist()
    return out


@pytest.mark.parametrize('persistent', [True, False])
def test_resumed_epochs_draw_what_straight_epochs_draw(persistent):
    straight = draws(loader(persistent), range(3))
    resumed = draws(loader(persistent), range(1, 3))
    assert resumed[1] == straight[1] and resumed[2] == straight[2]
    assert straight[1] != straight[2]
