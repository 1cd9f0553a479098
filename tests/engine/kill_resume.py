"""Kill -9 a real ``tools/train.py`` run between checkpoints, resume it, and
compare it with an uninterrupted run (shared by the per-method tests); each
method's tiny config with its synthetic data (:data:`CASES`)."""
import os.path as osp
import signal
import subprocess
import time

import numpy as np
import torch

from mmaction2_ext.datasets.class_vectors import random_class_vectors
from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle

import helpers
from helpers import warm_python


def train_cmd(config, work_dir, options, *extra):
    """``tools/train.py`` with a fixed seed, deterministic, 2 epochs (unless
    ``options`` say otherwise), a checkpoint each epoch and no best-checkpoint
    (its metric may not exist that early)."""
    return helpers.train_cmd(
        work_dir, None, *extra, config=config, options=(
            'train_cfg.max_epochs=2', 'default_hooks.checkpoint.interval=1',
            'default_hooks.checkpoint.save_best=None', *options))


def named_checkpoint(work_dir):
    """The file ``last_checkpoint`` names, once it is written and exists."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        path = f.read().strip()
    return path if path and osp.isfile(path) else None


def _finish(proc):
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    return out + err


def _start(cmd, cwd, env):
    return warm_python.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)


def kill_after_first_checkpoint(cmd, work_dir, cwd, env):
    """Run ``cmd``; SIGKILL it as soon as its first checkpoint is complete."""
    proc = warm_python.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while named_checkpoint(work_dir) is None:
        assert proc.poll() is None, 'the run ended before its first checkpoint'
        assert time.time() < deadline, 'no checkpoint within 300 s'
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def straight_and_resumed(config, options, tmp_path, cwd, env):
    """Last checkpoints ``(uninterrupted, killed after epoch 1 + resumed)``;
    the uninterrupted run goes on beside the other one."""
    straight, broken = str(tmp_path / 'straight'), str(tmp_path / 'broken')
    uninterrupted = _start(train_cmd(config, straight, options), cwd, env)
    try:
        kill_after_first_checkpoint(train_cmd(config, broken, options),
                                    broken, cwd, env)
        killed_at = named_checkpoint(broken)
        resumed = _finish(_start(train_cmd(config, broken, options,
                                           '--resume'), cwd, env))
        assert 'resumed epoch' in resumed
        _finish(uninterrupted)
    finally:
        if uninterrupted.poll() is None:
            uninterrupted.kill()
            uninterrupted.communicate()
    final = [named_checkpoint(d) for d in (straight, broken)]
    assert osp.basename(final[0]) == osp.basename(final[1]) != \
        osp.basename(killed_at), 'the run finished before the kill'
    return [torch.load(path, map_location='cpu', weights_only=False)
            for path in final]


def assert_identical(expected, got, where='checkpoint'):
    """Same nested structure, every tensor ``torch.equal``."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, torch.Tensor) and torch.equal(expected, got), \
            where
    elif isinstance(expected, dict):
        assert expected.keys() == got.keys(), where
        for key in expected:
            assert_identical(expected[key], got[key], f'{where}/{key}')
    elif isinstance(expected, (list, tuple)):
        assert len(expected) == len(got), where
        for i, (a, b) in enumerate(zip(expected, got)):
            assert_identical(a, b, f'{where}/{i}')
    else:
        assert expected == got, where


LOADERS = helpers.LOADERS


def _skeleton(data, layout, samples):
    ann = write_skeleton_pickle(str(data / f'{layout}.pkl'), layout,
                                num_classes=4, samples_per_class=samples,
                                seed=3)
    return helpers.data_options(ann)


def stgcn_demo(data):
    # a persistent data worker: its RNG must not carry over between epochs
    return ('configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py',
            _skeleton(data, 'coco', (8, 2)) + [
                'train_dataloader.num_workers=1',
                'train_dataloader.persistent_workers=True'])


def posec3d_demo(data):
    return ('configs/demo/posec3d_tiny_1xb4-u16-2e_synthetic-coco-keypoint-'
            'devicehm.py', _skeleton(data, 'coco', (4, 1)))


def protogcn(data):
    return ('configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d.py',
            _skeleton(data, 'ntu', (8, 2)))


def miga(data):
    vectors = str(data / 'class_vectors.npy')
    np.save(vectors, random_class_vectors(4, 300, seed=0))
    return ('configs/miga/slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-'
            'keypoint.py', _skeleton(data, 'imigue', (8, 2, 2)) +
            [f'model.cls_head.class_vectors={vectors}'])


def pcan(data):
    make_ma52(str(data), samples_per_class=(1, 1, 1), size=64,
              frames=(20, 24))
    ann = f'{data}/MA-52_openpose_28kp/MA52'
    return ('configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py', [
        *[f'{loader}.dataset.{key}' for loader, split in zip(
            LOADERS, ('train', 'val', 'test')) for key in (
                f'ann_file={ann}_{split}.pkl',
                f'data_prefix.video={data}/raw_videos/')],
        f'test_dataloader.dataset.list_file={data}/annotations/'
        'test_list_videos.txt'])


def haan(data):
    make_haan_dataset(str(data))
    # refresh the pseudo-labels before epochs 0 and 2 (not 1, the resumed one)
    return ('configs/haan/haan_1xb4-10e_synthetic-feat.py', [
        'train_cfg.max_epochs=3',
        *[f'{loader}.dataset.{key}' for loader in LOADERS for key in (
            f'ann_dir={data}', f'features={data}/features.npy')],
        f'model.fine_to_coarse={data}/fine_to_coarse_mappings.json',
        'custom_hooks.0.interval=2'])


CASES = dict(stgcn_demo=stgcn_demo, posec3d_demo=posec3d_demo,
             protogcn=protogcn, miga=miga, pcan=pcan, haan=haan)
