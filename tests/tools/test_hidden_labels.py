"""tools/test.py on a split whose labels are hidden prints no metric (issue
13): a declared split (``labels_hidden=True``) gets one log line and only the
dump; an undeclared one-label split gets a warning."""
import os.path as osp
import pickle
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from mmaction.registry import MODELS
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle

CONFIG = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory, repo_root):
    """Untrained weights of CONFIG's model (4 classes)."""
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    cfg.model.cls_head.num_classes = 4
    path = tmp_path_factory.mktemp('ckpt') / 'model.pth'
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), path)
    return str(path)


def _test(tmp_path, ann_file, checkpoint, tool_env, repo_root, *options):
    dump = tmp_path / 'result.pkl'
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', CONFIG, checkpoint, '--dump',
         str(dump), '--work-dir', str(tmp_path / 'work'), '--cfg-options',
         f'test_dataloader.dataset.ann_file={ann_file}',
         'model.cls_head.num_classes=4', *options],
        cwd=repo_root, env=tool_env, text=True, capture_output=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert dump.is_file()
    return proc.stdout + proc.stderr


def _line(log, text):
    return next(line for line in log.splitlines() if text in line)


def test_declared_hidden_labels_give_no_metric(tmp_path, skeleton_pickle,
                                               checkpoint, tool_env,
                                               repo_root, reliability):
    log = _test(tmp_path, skeleton_pickle, checkpoint, tool_env, repo_root,
                'test_dataloader.dataset.labels_hidden=True')
    assert 'acc/' not in log
    line = _line(log, 'are hidden')
    assert skeleton_pickle in line and 'no metric is computed' in line
    reliability.record('data', 'tools/test.py on a split with hidden labels '
                       '(labels_hidden=True)', line.split(' - ')[-1])


def test_one_label_split_warns(tmp_path, checkpoint, tool_env, repo_root,
                               reliability):
    path = write_skeleton_pickle(str(tmp_path / 'test.pkl'), 'coco',
                                 num_classes=4, samples_per_class=(6, 3),
                                 seed=1)
    with open(path, 'rb') as f:
        data = pickle.load(f)
    for ann in data['annotations']:
        ann['label'] = 0
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    log = _test(tmp_path, path, checkpoint, tool_env, repo_root)
    line = _line(log, 'every label of')
    assert 'WARNING' in line and 'is 0 while the model has 4 classes' in line
    assert 'acc/top1' in log  # warned, not hidden: the metric still shows
    reliability.record('data', 'test split whose labels are all one value '
                       '(hidden but not declared)', line.split(' - ')[-1])
