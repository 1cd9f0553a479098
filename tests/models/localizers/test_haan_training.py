"""HAAN trains through the Runner on a synthetic feature set with planted
segments and detects them; results.csv, detections.json and the best
checkpoint are written; tools/test.py reproduces the best mAP in its own
test_* files, next to the training outputs and without touching them."""
import csv
import json
import os.path as osp
import re
import sys

import torch
from mmengine.config import Config
from threadpoolctl import threadpool_limits

from mmaction2_ext.apis import build_runner
from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset
from helpers import warm_python

CONFIG = 'configs/haan/haan_1xb4-10e_synthetic-feat.py'


def _config(repo_root, info, work_dir):
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    paths = dict(ann_dir=info['ann_dir'], features=info['features'])
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        loader.dataset.update(paths)
    cfg.model.fine_to_coarse = info['fine_to_coarse']
    cfg.work_dir = work_dir
    cfg.log_level = 'WARNING'
    return cfg


def test_training_detects_planted_segments(tmp_path, repo_root, tool_env):
    info = make_haan_dataset(str(tmp_path / 'data'), seed=0)
    work_dir = str(tmp_path / 'work')
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            build_runner(_config(repo_root, info, work_dir)).train()
    finally:
        torch.set_num_threads(threads)
    with open(osp.join(work_dir, 'results.csv')) as f:
        rows = list(csv.DictReader(f))
    # numbered as the log and the checkpoints: val_interval=5 of 10 epochs
    assert [r['epoch'] for r in rows] == ['5', '10']
    assert (tmp_path / 'work' / 'epoch_10.pth').is_file()
    best = max(float(r['mAP@0.5']) for r in rows)
    assert best >= 80, rows
    with open(osp.join(work_dir, 'detections.json')) as f:
        dets = json.load(f)['results']
    assert len(dets) == info['num_test']
    assert all(set(d) == {'label', 'score', 'segment'}
               for video in dets.values() for d in video)
    ckpts = [p for p in (tmp_path / 'work').iterdir()
             if p.name.startswith('best_haan_avg_mAP')]
    assert len(ckpts) == 1

    # tools/test.py on the best checkpoint, in the training work dir, gives
    # that epoch's row again in its own files
    cfg_path = str(tmp_path / 'cfg.py')
    _config(repo_root, info, work_dir).dump(cfg_path)
    training_outputs = {name: (tmp_path / 'work' / name).read_bytes()
                        for name in ('results.csv', 'detections.json')}
    env = dict(tool_env, OMP_NUM_THREADS='1')
    warm_python.run([sys.executable, osp.join(repo_root, 'tools', 'test.py'),
                    cfg_path, str(ckpts[0])], check=True, env=env,
                    cwd=repo_root, capture_output=True)
    for name, content in training_outputs.items():
        assert (tmp_path / 'work' / name).read_bytes() == content, name
    with open(osp.join(work_dir, 'test_results.csv')) as f:
        [test_row] = list(csv.DictReader(f))
    best_epoch = re.search(r'epoch_(\d+)\.pth$', ckpts[0].name).group(1)
    [best_row] = [r for r in rows if r['epoch'] == best_epoch]
    assert test_row['epoch'] == best_epoch
    assert float(test_row['avg.mAP']) == float(best_row['avg.mAP'])
    with open(osp.join(work_dir, 'test_detections.json')) as f:
        assert json.load(f)['results'].keys() == dets.keys()
