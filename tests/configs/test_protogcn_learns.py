"""A tiny ProtoGCN learns the synthetic NTU-layout skeletons on CPU."""
import os.path as osp

import torch
from mmengine.config import Config

from mmaction2_ext.apis import build_runner
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle


def test_tiny_protogcn_learns_synthetic_ntu(tmp_path, repo_root):
    # one thread: on a shared 2-core machine, 2 threads spin and are ~10x
    # slower for these tiny tensors
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _train_and_test(tmp_path, repo_root)
    finally:
        torch.set_num_threads(threads)


def _train_and_test(tmp_path, repo_root):
    torch.manual_seed(0)
    ann = write_skeleton_pickle(str(tmp_path / 'ntu.pkl'), 'ntu',
                                num_classes=4, samples_per_class=(12, 6),
                                seed=0)
    cfg = Config.fromfile(osp.join(
        repo_root, 'configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d.py'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.ann_file = ann
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=0)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=16)
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.test()
    # 4 classes: chance is 0.25
    assert metrics['acc/top1'] >= 0.75, metrics
