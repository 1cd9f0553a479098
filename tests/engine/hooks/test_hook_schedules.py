"""Hooks that act on some epochs / iterations, at unit level with a stub
runner: when HAAN's pseudo-labels are refreshed, what EpochSeedHook seeds,
which losses NanGuardHook stops at."""
import random
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mmaction2_ext.engine.hooks import (EpochSeedHook, HAANPseudoLabelHook,
                                        NanGuardHook)
from mmaction2_ext.engine.hooks import haan_pseudo_label_hook as plh
from mmaction2_ext.engine.hooks.nan_guard import TrainingDivergedError


class StubHAAN:
    num_visual_concepts = 2

    def __init__(self):
        self.pseudo_labels = {}

    def set_pseudo_labels(self, labels, weights):
        self.pseudo_labels = labels

    def train(self):
        pass


def refresh_epochs(monkeypatch, hook, epochs, model=None):
    """The epochs (of ``epochs``, run in order) where the hook re-clusters."""
    calls = []
    monkeypatch.setattr(plh, 'encode_dataset',
                        lambda *a, **k: (['v'], [np.zeros((2, 1))]))
    monkeypatch.setattr(plh, 'cluster_clips', lambda *a, **k: (
        calls.append(runner.epoch) or ({'v': np.zeros(2)}, np.ones(2))))
    runner = SimpleNamespace(
        model=model or StubHAAN(), epoch=0,
        train_dataloader=SimpleNamespace(dataset=None, batch_size=1),
        logger=SimpleNamespace(info=lambda *a: None))
    for epoch in epochs:
        runner.epoch = epoch
        hook.before_train_epoch(runner)
    return calls


@pytest.mark.parametrize('interval', [5, 3])
def test_pseudo_labels_refresh_every_interval_from_epoch_0(monkeypatch,
                                                           interval):
    calls = refresh_epochs(monkeypatch, HAANPseudoLabelHook(interval=interval),
                           range(3 * interval + 1))
    assert calls == [0, interval, 2 * interval, 3 * interval]


def test_pseudo_labels_default_interval_is_upstreams_5(monkeypatch):
    assert refresh_epochs(monkeypatch, HAANPseudoLabelHook(), range(11)) == \
        [0, 5, 10]


def test_pseudo_labels_after_resume(monkeypatch):
    """A resumed run (fresh model, no labels) clusters at once, then keeps
    the schedule of an uninterrupted run."""
    calls = refresh_epochs(monkeypatch, HAANPseudoLabelHook(interval=5),
                           range(7, 16))
    assert calls == [7, 10, 15]


def seeded_draws(seed, epoch, deterministic=True):
    runner = SimpleNamespace(seed=seed, epoch=epoch, _randomness_cfg=dict(
        deterministic=deterministic), train_dataloader=None)
    EpochSeedHook().before_train_epoch(runner)
    return (random.random(), float(np.random.rand()), float(torch.rand(1)))


def test_epoch_seed_same_seed_and_epoch_same_draws():
    assert seeded_draws(3, 4) == seeded_draws(3, 4)


def test_epoch_seed_differs_across_epochs_and_seeds():
    draws = [seeded_draws(3, 0), seeded_draws(3, 1), seeded_draws(3, 2),
             seeded_draws(100, 0)]
    for source in range(3):  # random, numpy and torch all change
        assert len({d[source] for d in draws}) == len(draws)


def test_epoch_seed_equals_seed_plus_epoch():
    """Seeding from seed + epoch: epoch e of seed s draws as a fresh
    ``torch.manual_seed(s + e)``."""
    _, _, drawn = seeded_draws(10, 5)
    torch.manual_seed(15)
    assert drawn == float(torch.rand(1))


def test_epoch_seed_wraps_at_2_to_the_32():
    """A seed near numpy's limit (2**32 - 1) plus the epoch wraps around
    instead of failing; seed 0 at epoch 0 is seed 0."""
    _, drawn, _ = seeded_draws(2**32 - 1, 3)
    np.random.seed(2)
    assert drawn == float(np.random.rand())
    _, _, drawn = seeded_draws(0, 0)
    torch.manual_seed(0)
    assert drawn == float(torch.rand(1))


def test_epoch_seed_inactive_without_deterministic():
    torch.manual_seed(123)
    expected = float(torch.rand(1))
    torch.manual_seed(123)
    assert seeded_draws(3, 4, deterministic=False)[2] == expected


@pytest.mark.parametrize('value', [float('nan'), float('inf'), -float('inf')])
def test_nan_guard_stops_at_every_non_finite_loss(tmp_path, value):
    runner = SimpleNamespace(work_dir=str(tmp_path), epoch=1, iter=9)
    outputs = dict(loss=torch.tensor(value), loss_cls=torch.tensor(value),
                   loss_ok=torch.tensor(1.))
    with pytest.raises(TrainingDivergedError, match='epoch 2, iter 10') as err:
        NanGuardHook().after_train_iter(runner, 0, outputs=outputs)
    assert 'loss_cls' in str(err.value) and 'loss_ok' not in str(err.value)


def test_nan_guard_lets_finite_losses_pass(tmp_path):
    runner = SimpleNamespace(work_dir=str(tmp_path), epoch=0, iter=0)
    NanGuardHook().after_train_iter(
        runner, 0, outputs=dict(loss=torch.tensor(1e30)))
