"""Helpers shared by tests in several folders (shared fixtures live in
tests/conftest.py; ``tests/`` is on sys.path through it)."""
import json
import os
import sys

import torch

TINY_CONFIG = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def data_options(ann_file, loaders=LOADERS):
    """``--cfg-options`` items pointing the dataloaders at ``ann_file``."""
    return [f'{loader}.dataset.ann_file={ann_file}' for loader in loaders]


def train_cmd(work_dir, ann_file, *extra, config=TINY_CONFIG, options=()):
    """tools/train.py on ``config``, seed 0, deterministic, with every
    dataloader on ``ann_file`` (unless None); ``extra`` are flags,
    ``options`` cfg-options."""
    data = data_options(ann_file) if ann_file is not None else []
    return [sys.executable, 'tools/train.py', config, '--work-dir',
            str(work_dir), '--seed', '0', '--deterministic', *extra,
            '--cfg-options', *data, *options]


class RunsCode:
    """Unpickling this calls ``os.system`` (what a hostile data file does):
    it would create ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def train_without_bn_stats(model):
    """Train mode, but BatchNorm on its running statistics, so that only
    dropout and drop-path make train differ from eval."""
    model.train()
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.eval()
    return model


def assert_official_keys(model, key_file):
    """``model``'s state_dict has the official key list of ``key_file``
    (``{key: shape}`` json, in order)."""
    with open(key_file) as f:
        ref = json.load(f)
    sd = model.state_dict()
    assert list(sd) == list(ref)
    assert {k: list(v.shape) for k, v in sd.items()} == ref
