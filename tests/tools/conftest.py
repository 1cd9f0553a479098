"""Data shared by the tests that run tools/train.py and tools/test.py."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config

from mmaction.registry import MODELS

from helpers import TINY_CONFIG as TINY
from helpers import data_options, warm_python


@pytest.fixture(scope='module')
def skeleton_options(skeleton_pickle):
    """``--cfg-options`` items pointing every dataloader at that pickle."""
    return data_options(skeleton_pickle)


@pytest.fixture(scope='module')
def untrained_checkpoint(tmp_path_factory, repo_root):
    """Untrained weights of TINY's model with 4 classes (no training run)."""
    cfg = Config.fromfile(osp.join(repo_root, TINY))
    cfg.model.cls_head.num_classes = 4
    path = tmp_path_factory.mktemp('ckpt') / 'model.pth'
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), path)
    return str(path)


@pytest.fixture
def run_test_tool(tool_env, repo_root):
    """``run(tmp_path, checkpoint, *cfg_options)``: tools/test.py on TINY
    (4 classes, ``--dump``); returns its log after checking it succeeded."""
    def run(tmp_path, checkpoint, *options):
        dump = tmp_path / 'result.pkl'
        proc = warm_python.run(
            [sys.executable, 'tools/test.py', TINY, checkpoint, '--dump',
             str(dump), '--work-dir', str(tmp_path / 'work'),
             '--cfg-options', 'model.cls_head.num_classes=4', *options],
            cwd=repo_root, env=tool_env, text=True, capture_output=True,
            timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert dump.is_file()
        return proc.stdout + proc.stderr
    return run
