"""The tiny demo config learns the synthetic MA-52 set on CPU (the chain of
``make demo``: train, test --dump, submission). About 1.5 CPU minutes.

Six (data seed, training seed) pairs gave val action top-1 0.84-1.0, body
top-1 0.91-1.0 and test action top-1 0.84-1.0 (chance 0.125); seed 0/0,
the one run here, 1.0 on all of them. The bars of 0.75 leave a margin of at
least 3 of the 32 clips."""
import os
import os.path as osp

import torch
from mmengine.config import Config

from mmaction2_ext.apis import build_runner
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.submission.ma52 import make_submission, score_prediction_csv

CONFIG = 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py'


def test_demo_config_learns(tmp_path, repo_root, monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    torch.set_num_threads(1)
    data = tmp_path / 'ma52'
    make_ma52(str(data), seed=0)
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    root = str(data) + '/'
    for split, loader in (('train', cfg.train_dataloader), ('val', cfg.val_dataloader),
                          ('test', cfg.test_dataloader)):
        loader.dataset.ann_file = f'{root}MA-52_openpose_28kp/MA52_{split}.pkl'
        loader.dataset.data_prefix = dict(video=f'{root}raw_videos/')
    cfg.test_dataloader.dataset.list_file = f'{root}annotations/test_list_videos.txt'
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=0)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    # 8 classes (chance 0.125), 7 body parts among them
    assert metrics['ma52/action_top1'] >= 0.75, metrics
    assert metrics['ma52/body_top1'] >= 0.75, metrics

    dump = str(tmp_path / 'result.pkl')
    from mmengine.evaluator import DumpResults
    runner.test_evaluator.metrics.append(DumpResults(out_file_path=dump))
    runner.test_loop.run()
    csv_path, zip_path = str(tmp_path / 'prediction.csv'), str(tmp_path / 'sub.zip')
    assert make_submission(dump, f'{root}annotations/test_list_videos.txt',
                           csv_path, zip_path) == 32
    scores = score_prediction_csv(csv_path, f'{root}annotations/test_list_videos_gt.txt')
    assert scores['action_top1'] >= 0.75, scores
    assert scores['body_top1'] >= 0.75, scores
    assert os.path.getsize(zip_path) > 0
