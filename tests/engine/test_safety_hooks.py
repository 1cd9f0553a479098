"""The NaN stop and per-epoch seeding reach every config, whatever its
custom_hooks (issue 12 §3)."""
import glob
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config

from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset
from mmaction2_ext.engine.hooks import NanGuardHook
from mmaction2_ext.engine.safety import SAFETY_HOOKS, add_safety_hooks
from helpers import warm_python

HAAN_CONFIG = 'configs/haan/haan_1xb4-10e_synthetic-feat.py'


def _hook_types(cfg):
    return [h['type'] if isinstance(h['type'], str) else h['type'].__name__
            for h in cfg.custom_hooks]


def test_every_config_gets_the_safety_hooks_once(repo_root):
    configs = [p for p in glob.glob(osp.join(repo_root, 'configs', '**',
                                             '*.py'), recursive=True)
               if '_base_' not in p]
    assert len(configs) > 40
    for path in configs:
        types = _hook_types(add_safety_hooks(Config.fromfile(path)))
        for name in SAFETY_HOOKS:
            assert types.count(name) == 1, (path, types)


def test_the_base_runtime_selects_them_itself(repo_root):
    cfg = Config.fromfile(osp.join(repo_root, 'configs', '_base_',
                                   'default_runtime.py'))
    assert _hook_types(cfg) == SAFETY_HOOKS


def test_a_config_replacing_custom_hooks_keeps_its_own_and_gains_ours():
    cfg = Config(dict(custom_hooks=[dict(type='HAANPseudoLabelHook'),
                                    dict(type=NanGuardHook)]))
    types = _hook_types(add_safety_hooks(cfg))
    assert types[:2] == ['HAANPseudoLabelHook', 'NanGuardHook']
    assert sorted(types[2:]) == sorted(set(SAFETY_HOOKS) - {'NanGuardHook'})


def test_explicit_opt_out():
    cfg = Config(dict(safety_hooks=False, custom_hooks=[]))
    with pytest.warns(UserWarning, match='safety_hooks=False'):
        add_safety_hooks(cfg)
    assert cfg.custom_hooks == []


def test_haan_nan_loss_stops_with_the_last_good_checkpoint(
        tmp_path, repo_root, tool_env, reliability):
    info = make_haan_dataset(str(tmp_path / 'data'), seed=0)
    config = tmp_path / 'diverging.py'
    config.write_text(
        f"_base_ = {osp.join(repo_root, HAAN_CONFIG)!r}\n"
        # a sane first epoch, then an absurd learning rate
        "param_scheduler = [dict(type='MultiStepLR', milestones=[1], "
        "gamma=1e30, by_epoch=True)]\n"
        "train_cfg = dict(max_epochs=3, val_interval=5)\n")
    work_dir = str(tmp_path / 'work')
    data = [f'{loader}.dataset.{key}={info[key]}'
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')
            for key in ('ann_dir', 'features')]
    proc = warm_python.run(
        [sys.executable, 'tools/train.py', str(config), '--work-dir',
         work_dir, '--cfg-options', *data,
         f'model.fine_to_coarse={info["fine_to_coarse"]}'],
        cwd=repo_root, env=dict(tool_env, OMP_NUM_THREADS='1'),
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr[-3000:]
    error = proc.stderr.strip().splitlines()[-1]
    reliability.record('training', 'loss becomes NaN/Inf (HAAN, whose '
                       'config replaces custom_hooks)', error)
    assert error.startswith('error: loss became')
    assert 'epoch 2' in error and 'epoch_1.pth' in error
    assert not osp.exists(osp.join(work_dir, 'epoch_2.pth'))
    weights = torch.load(osp.join(work_dir, 'epoch_1.pth'),
                         weights_only=False)['state_dict']
    assert all(torch.isfinite(w).all() for w in weights.values()
               if w.is_floating_point())


@pytest.mark.parametrize('given', ['mmaction.NanGuardHook', 'NanGuardHook',
                                   NanGuardHook])
def test_a_hook_named_any_way_is_not_added_again(given):
    cfg = Config(dict(custom_hooks=[dict(type=given, priority='LOW')]))
    types = _hook_types(add_safety_hooks(cfg))
    assert [t.split('.')[-1] for t in types].count('NanGuardHook') == 1
    assert cfg.custom_hooks[0] == dict(type=given, priority='LOW')


@pytest.mark.parametrize('value', [None, True, 0, []])
def test_only_an_explicit_false_opts_out(value):
    cfg = Config(dict(safety_hooks=value, custom_hooks=None))
    assert sorted(_hook_types(add_safety_hooks(cfg))) == sorted(SAFETY_HOOKS)
