"""``--data-root DIR`` (mmaction2_ext/apis/data_root.py): every config keeps
its data under its ``data_root``; the flag moves all of it, and a run on a
moved data set trains and tests."""
import glob
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config

from mmaction.registry import MODELS
from mmaction2_ext.apis import ConfigError, move_data_root
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from mmaction2_ext.utils import MissingFileError
from helpers import warm_python

#: config keys whose values are data files or folders
PATH_KEYS = ('ann_file', 'list_file', 'video', 'ann_dir', 'features',
             'class_vectors', 'split_file', 'label_file')


def _configs(repo_root):
    return sorted(p for p in glob.glob(osp.join(repo_root, 'configs', '**',
                                                '*.py'), recursive=True)
                  if '_base_' not in p.split(osp.sep))


def _data_paths(node, key=''):
    """(key, value) of every data path in a config dict."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in PATH_KEYS and isinstance(v, str):
                yield f'{key}.{k}', v
            else:
                yield from _data_paths(v, f'{key}.{k}')
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _data_paths(v, f'{key}[{i}]')


def test_every_config_keeps_its_data_under_data_root(repo_root):
    configs = _configs(repo_root)
    assert len(configs) > 50
    for path in configs:
        cfg = Config.fromfile(path)
        paths = list(_data_paths(cfg.to_dict()))
        if not paths and 'train_dataloader' not in cfg:
            continue  # reads no data (the HAAN feature extractor's I3D)
        root = cfg.get('data_root')
        assert root, f'{path}: no data_root'
        assert paths, path
        outside = [(k, v) for k, v in paths
                   if not (v.rstrip('/') == root.rstrip('/')
                           or v.startswith(root.rstrip('/') + '/'))]
        assert not outside, f'{path}: outside data_root {root}: {outside}'


def test_move_rewrites_every_path_under_data_root(repo_root, tmp_path):
    cfg = Config.fromfile(osp.join(repo_root, 'configs/pcan/'
                                   'pcan_rgbpose_ma52.py'))
    cfg.load_from = 'data/ma52_weights.pth'  # not under data/ma52/
    moved = move_data_root(cfg, str(tmp_path))
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    assert sorted(moved) == sorted(
        [f'{d}.dataset.ann_file' for d in loaders] +
        [f'{d}.dataset.data_prefix.video' for d in loaders] +
        ['test_dataloader.dataset.list_file',
         'ann_root', 'list_root', 'video_root'])  # the config's variables
    test = cfg.test_dataloader.dataset
    assert test.ann_file == f'{tmp_path}/MA-52_openpose_28kp/MA52_test.pkl'
    assert test.list_file == f'{tmp_path}/annotations/test_list_videos.txt'
    assert test.data_prefix.video == f'{tmp_path}/raw_videos/'
    assert cfg.data_root == f'{tmp_path}/'
    assert cfg.load_from == 'data/ma52_weights.pth'
    # a sibling folder whose name starts like data_root is not under it
    cfg = Config(dict(data_root='data/a', x=dict(ann_file='data/ab/x.pkl',
                                                 y=['data/a/y.pkl'])))
    move_data_root(cfg, str(tmp_path))
    assert cfg.x.ann_file == 'data/ab/x.pkl'
    assert cfg.x.y == [f'{tmp_path}/y.pkl']


def test_move_refuses_without_data_root_or_folder(tmp_path):
    with pytest.raises(ConfigError, match='declare its data folder'):
        move_data_root(Config(dict(x=1)), str(tmp_path), 'c.py')
    with pytest.raises(MissingFileError, match='--data-root folder'):
        move_data_root(Config(dict(data_root='data/a')),
                       str(tmp_path / 'absent'))


def _run(repo_root, tool_env, *args):
    return warm_python.run([sys.executable, *args], cwd=repo_root,
                           env=tool_env, text=True, capture_output=True,
                           timeout=300)


def test_train_and_test_on_moved_data(tmp_path, repo_root, tool_env):
    # the demo config's set, written somewhere else under its own file name
    moved = tmp_path / 'elsewhere'
    moved.mkdir()
    write_skeleton_pickle(str(moved / 'coco_synthetic.pkl'), 'coco',
                          num_classes=4, samples_per_class=(2, 1), seed=1)
    config = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'
    work = tmp_path / 'work'
    proc = _run(repo_root, tool_env, 'tools/train.py', config, '--work-dir',
                str(work), '--data-root', str(moved), '--cfg-options',
                'train_cfg.max_epochs=1', 'model.cls_head.num_classes=4')
    assert proc.returncode == 0, proc.stderr[-3000:]
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()
    dump = tmp_path / 'r.pkl'
    proc = _run(repo_root, tool_env, 'tools/test.py', config, str(ckpt),
                '--data-root', str(moved), '--dump', str(dump),
                '--work-dir', str(work), '--cfg-options',
                'model.cls_head.num_classes=4')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert dump.is_file()


def test_missing_list_file_names_the_config_key(tmp_path, repo_root,
                                                tool_env, reliability):
    root = tmp_path / 'ma52'
    make_ma52(str(root), classes=(0, 5), samples_per_class=(1, 1, 1),
              frames=(8, 8), size=64)
    (root / 'annotations' / 'test_list_videos.txt').unlink()
    config = 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py'
    cfg = Config.fromfile(osp.join(repo_root, config))
    ckpt = tmp_path / 'm.pth'
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), ckpt)
    proc = _run(repo_root, tool_env, 'tools/test.py', config, str(ckpt),
                '--data-root', str(root), '--work-dir', str(tmp_path / 'w'))
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(errors) == 1, proc.stderr[-3000:]
    line = errors[0]
    assert line.startswith(f'error: list_file {root}/annotations/'
                           'test_list_videos.txt does not exist'), line
    assert 'test_dataloader.dataset.list_file' in line
    reliability.record('data', 'missing list_file (MA-52 test set)', line)


def test_cfg_options_data_root_points_to_the_flag(capsys):
    from mmaction2_ext.apis import merge_options
    merge_options(Config(dict(data_root='data/a')), {'data_root': 'b'})
    assert 'to move the data use --data-root DIR' in capsys.readouterr().err
