"""The keypoints + on-device heatmaps configs (``*-devicehm.py``) feed their
models the same inputs as their dense-heatmap parents: same samples, same
seed, through the real dataloader and data preprocessor; and build the same
state_dict, so checkpoints load unchanged."""
import os.path as osp
import random

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from mmaction2_ext.models.utils.heatmaps import PoseHeatmapRenderer

MIGA = ('configs/miga/'
        'slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint')
PCAN = 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52'


def first_batch(loader_cfg, preprocessor):
    """Model inputs of the first batch, dataloader and pipeline seeded."""
    loader_cfg.sampler.seed = 0
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    np.random.seed(0)
    random.seed(0)
    batch = next(iter(loader))
    return preprocessor(batch, training=True)['inputs']


def dense_and_device(repo_root, config, point_to_data):
    """(parent, devicehm) configs with the data paths of ``point_to_data``."""
    init_default_scope('mmaction')
    cfgs = []
    for suffix in ('', '-devicehm'):
        cfg = Config.fromfile(osp.join(repo_root, config + suffix + '.py'))
        point_to_data(cfg)
        cfgs.append(cfg)
    return cfgs


def assert_same_inputs(cfgs, split):
    ref, ours = (first_batch(cfg[f'{split}_dataloader'],
                             MODELS.build(cfg.model.data_preprocessor))
                 for cfg in cfgs)
    if isinstance(ref, dict):  # RGB + Pose
        assert ref.keys() == ours.keys() == {'imgs', 'heatmap_imgs'}
        torch.testing.assert_close(ours['imgs'], ref['imgs'], rtol=0, atol=0)
        ref, ours = ref['heatmap_imgs'], ours['heatmap_imgs']
    assert ours.shape == ref.shape
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-5)
    assert ref.max() > 0.5
    return ref.shape


def assert_same_state_dict_keys(cfgs):
    keys = [set(MODELS.build(cfg.model).state_dict()) for cfg in cfgs]
    assert keys[0] == keys[1]


def test_miga_devicehm_inputs_equal_dense(tmp_path, repo_root):
    ann = write_skeleton_pickle(str(tmp_path / 'imigue.pkl'), 'imigue',
                                samples_per_class=(2, 1, 1))

    def point_to_data(cfg):
        for split in ('train', 'val', 'test'):
            cfg[f'{split}_dataloader'].dataset.ann_file = ann

    cfgs = dense_and_device(repo_root, MIGA, point_to_data)
    assert assert_same_inputs(cfgs, 'train') == (8, 1, 22, 16, 32, 32)
    # test: 2 clips + the flipped copies (PackPoseKeypoints double=True)
    assert assert_same_inputs(cfgs, 'test') == (1, 4, 22, 16, 32, 32)
    assert_same_state_dict_keys(cfgs)


def test_pcan_devicehm_inputs_equal_dense(tmp_path, repo_root):
    root = str(tmp_path / 'ma52') + '/'
    make_ma52(root, classes=(1, 5), samples_per_class=(2, 1, 1), seed=0,
              size=64, frames=(34, 40))

    def point_to_data(cfg):
        for split in ('train', 'test'):
            loader = cfg[f'{split}_dataloader']
            loader.dataset.ann_file = \
                f'{root}MA-52_openpose_28kp/MA52_{split}.pkl'
            loader.dataset.data_prefix = dict(video=f'{root}raw_videos/')
        cfg.test_dataloader.dataset.list_file = \
            f'{root}annotations/test_list_videos.txt'

    cfgs = dense_and_device(repo_root, PCAN, point_to_data)
    assert assert_same_inputs(cfgs, 'train') == (4, 1, 28, 32, 14, 14)
    assert assert_same_inputs(cfgs, 'test')[:2] == (2, 2)
    assert_same_state_dict_keys(cfgs)


def _render(kps, score, double=True):
    return PoseHeatmapRenderer(with_limb=True, double=double)(
        kps, score, (20, 24), [2, 1])


def test_renderer_takes_the_device_from_the_tensors():
    """Every tensor the renderer makes lives on the inputs' device: with
    the default device set elsewhere ('meta'), CPU inputs still render."""
    rng = np.random.default_rng(0)
    kps = torch.from_numpy(rng.uniform(0, 20, (2, 1, 2, 3, 17, 2))).float()
    score = torch.from_numpy(rng.uniform(0, 1, (2, 1, 2, 3, 17))).float()
    ref = _render(kps, score)
    torch.set_default_device('meta')
    try:
        ours = _render(kps, score)
    finally:
        torch.set_default_device(None)
    assert ours.device.type == 'cpu'
    torch.testing.assert_close(ours, ref, rtol=0, atol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_renderer_on_cuda_matches_cpu():
    rng = np.random.default_rng(1)
    kps = torch.from_numpy(rng.uniform(0, 20, (2, 2, 2, 3, 17, 2))).float()
    score = torch.from_numpy(rng.uniform(0, 1, (2, 2, 2, 3, 17))).float()
    ours = _render(kps.to('cuda'), score.to('cuda'))
    assert ours.is_cuda
    torch.testing.assert_close(ours.cpu(), _render(kps, score), rtol=0,
                               atol=1e-5)
