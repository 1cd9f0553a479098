"""tools/train.py's --seed / --deterministic win over the config's
``randomness`` (mmaction2 silently drops them when the config has one)."""
import importlib.util
import os.path as osp
import sys

import pytest
from mmengine.config import Config


@pytest.fixture
def train_tool(repo_root):
    spec = importlib.util.spec_from_file_location(
        'train_tool', osp.join(repo_root, 'tools', 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('randomness', [None, dict(seed=1)])
def test_seed_flags_override_config(train_tool, randomness, monkeypatch):
    cfg = Config(dict(work_dir='w') if randomness is None else
                 dict(work_dir='w', randomness=randomness))
    monkeypatch.setattr(sys, 'argv', ['train.py', 'cfg.py', '--seed', '7',
                                      '--deterministic'])
    merged = train_tool.merge_args(cfg, train_tool.parse_args())
    assert merged.randomness.seed == 7
    assert merged.randomness.deterministic is True


def test_config_randomness_kept_without_flags(train_tool, monkeypatch):
    cfg = Config(dict(work_dir='w', randomness=dict(seed=1)))
    monkeypatch.setattr(sys, 'argv', ['train.py', 'cfg.py'])
    merged = train_tool.merge_args(cfg, train_tool.parse_args())
    assert merged.randomness.to_dict() == dict(seed=1)
