"""``DecordDecodeOnce`` / ``MMDecodeOnce``: stock's frames, each decoded once.

Real clips (mmaction2 demo.mp4 340x256, MA-52 1080x1296) and a synthetic
448-px video; 10-clip test sampling and train sampling.
"""
import copy
import os.path as osp
import random

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmcv.transforms import Compose
from mmengine.config import Config

from mmaction2_ext.datasets.synthetic.ma52 import (render_video,
                                                   sample_keypoints)
from mmaction2_ext.datasets.transforms import decode_once

MA52_DIR = 'micro-action/ma52_demo/'
MA52_CLIPS = ('A1_shaking_body__0030_01_0002.mp4',
              'A2_turning_around__0078_01_0005.mp4',
              'A3_sitting_straightly__0020_01_0008.mp4',
              'B1_nodding__0019_02_0078.mp4',
              'B2_shaking_head__0035_02_0007.mp4',
              'B3_turning_head__0010_02_0101.mp4')
DEMO = 'mmaction2/demo/demo.mp4'
SYNTHETIC = 'synthetic-448'
# 10-clip decoding of a 1080x1296 clip takes seconds: two of the six
TEST_MODE_VIDEOS = (DEMO, MA52_DIR + MA52_CLIPS[0], MA52_DIR + MA52_CLIPS[3],
                    SYNTHETIC)
TRAIN_MODE_VIDEOS = (DEMO, *(MA52_DIR + c for c in MA52_CLIPS), SYNTHETIC)
PCAN_PIPELINES = 'configs/pcan/_base_/ma52_rgbpose_pipelines.py'


@pytest.fixture(scope='module')
def synthetic_448(tmp_path_factory):
    """A 448x448 mp4v video of 64 frames (keyframes every 12 frames)."""
    path = str(tmp_path_factory.mktemp('video') / 'synthetic_448.mp4')
    kp = sample_keypoints(np.random.default_rng(0), 5, 64, 448, 0)
    render_video(path, kp, 5, 448)
    return path


@pytest.fixture
def video(request, upstream_dir, synthetic_448):
    if request.param == SYNTHETIC:
        return synthetic_448
    return osp.join(upstream_dir, request.param)


def rgbpose_raw(path):
    """An MA-52-like RGB+Pose entry for the video at ``path``."""
    import decord
    reader = decord.VideoReader(path)
    frames, (h, w) = len(reader), reader[0].shape[:2]
    rng = np.random.default_rng(0)
    # pose in half-resolution pixels: MMDecode rescales it to the video
    kp = rng.uniform(0, min(h, w) / 2, (1, frames, 28, 2)).astype(np.float32)
    score = rng.uniform(.3, 1, kp.shape[:3]).astype(np.float32)
    return dict(filename=path, total_frames=frames, img_shape=(h // 2, w // 2),
                keypoint=kp, keypoint_score=score, modality='RGB',
                start_index=0, label=0)


def rgbpose_sample(path, test_mode):
    """``rgbpose_raw`` with 10 test clips or 1 train clip sampled (seeded)."""
    np.random.seed(0)
    sampler = TRANSFORMS.build(dict(
        type='MMUniformSampleFrames', clip_len=dict(RGB=8, Pose=32),
        num_clips=10 if test_mode else 1, test_mode=test_mode))
    return sampler(rgbpose_raw(path))


def assert_same_frames(ref, out):
    assert len(out) == len(ref)
    for a, b in zip(ref, out):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b)


@pytest.mark.parametrize(
    'video,test_mode', [(v, True) for v in TEST_MODE_VIDEOS] +
    [(v, False) for v in TRAIN_MODE_VIDEOS], indirect=['video'])
def test_mmdecode_once_equals_stock(video, test_mode):
    sample = rgbpose_sample(video, test_mode)
    ref, out = (TRANSFORMS.build(dict(type=t))(copy.deepcopy(sample))
                for t in ('MMDecode', 'MMDecodeOnce'))
    assert_same_frames(ref['imgs'], out['imgs'])
    assert len(out['imgs']) == (80 if test_mode else 8)
    np.testing.assert_array_equal(out['keypoint'], ref['keypoint'])
    assert out['img_shape'] == ref['img_shape']


def decord_pipelines(test_mode, decode):
    """DecordInit + SampleFrames (10 overlapping clips, or 1) + decode +
    an always-on Flip (flips frames in place)."""
    sampler = dict(type='SampleFrames', clip_len=8, frame_interval=2,
                   num_clips=10 if test_mode else 1, test_mode=test_mode)
    return Compose([TRANSFORMS.build(t) for t in (
        dict(type='DecordInit'), sampler, dict(type=decode),
        dict(type='Flip', flip_ratio=1.))])


@pytest.mark.parametrize('test_mode', [True, False])
@pytest.mark.parametrize('video', (DEMO, MA52_DIR + MA52_CLIPS[3], SYNTHETIC),
                         indirect=True)
def test_decord_decode_once_equals_stock(video, test_mode):
    outs = []
    for decode in ('DecordDecode', 'DecordDecodeOnce'):
        np.random.seed(0)
        outs.append(decord_pipelines(test_mode, decode)(dict(
            filename=video, start_index=0, modality='RGB')))
    ref, out = outs
    assert_same_frames(ref['imgs'], out['imgs'])
    assert out['img_shape'] == ref['img_shape']


@pytest.mark.parametrize('split', ['test_pipeline', 'train_pipeline'])
def test_pcan_pipelines_equal_stock(repo_root, upstream_dir, split):
    """The PCAN config pipelines decode once by default and give stock's
    packed inputs (same seed for the random train transforms)."""
    cfg = Config.fromfile(osp.join(repo_root, PCAN_PIPELINES))
    types = [t['type'] for t in cfg[split]]
    assert 'MMDecodeOnce' in types and 'MMDecode' not in types
    stock = [dict(t, type='MMDecode') if t['type'] == 'MMDecodeOnce' else t
             for t in cfg[split]]
    sample = rgbpose_raw(osp.join(upstream_dir, MA52_DIR, MA52_CLIPS[3]))
    outs = []
    for pipeline in (stock, cfg[split]):
        np.random.seed(1)
        random.seed(1)
        outs.append(Compose(pipeline)(copy.deepcopy(sample))['inputs'])
    for key in ('imgs', 'heatmap_imgs'):
        assert np.array_equal(outs[0][key].numpy(), outs[1][key].numpy())


class FakeReader:
    """decord stand-in: frame i is filled with i; records get_batch calls."""

    def __init__(self):
        self.calls = []

    def get_batch(self, inds):
        self.calls.append(np.asarray(inds).tolist())
        frames = np.broadcast_to(np.asarray(inds, np.uint8)[:, None, None,
                                                            None],
                                 (len(inds), 4, 6, 3)).copy()
        return type('NDArray', (), {'asnumpy': lambda self: frames})()


def test_each_frame_decoded_once_repeats_are_copies():
    inds = np.array([4, 5, 6, 7, 2, 3, 4, 5, 6, 7, 7, 0], np.int32)
    reader = FakeReader()
    imgs = decode_once(reader, inds)
    assert reader.calls == [[0, 2, 3, 4, 5, 6, 7]]  # one sorted pass
    assert [int(img[0, 0, 0]) for img in imgs] == inds.tolist()
    # peak held: 7 unique frames + 5 repeated = len(inds) frames, no more
    # (stock holds the same); repeats are separate so in-place Flip is safe
    for i, a in enumerate(imgs):
        for b in imgs[:i]:
            assert not np.shares_memory(a, b)


@pytest.mark.parametrize('config', [
    'pcan_rgbpose_ma52.py', 'pcan_tiny_1xb4-10e_synthetic-ma52.py'])
def test_inference_takes_decode_once_configs_as_rgbpose(repo_root, config):
    from mmaction2_ext.apis.model_input import model_input
    spec = model_input(Config.fromfile(osp.join(repo_root, 'configs/pcan',
                                                config)))
    assert spec.route == 'rgbpose' and spec.coords == 2


class SeekingReader(FakeReader):
    """Also decord's seek/next (efficient mode): frame i is filled with i,
    rounded down to a keyframe every 4 frames."""

    def seek(self, index):
        self.calls.append(('seek', int(index)))
        self.at = int(index) // 4 * 4

    def next(self):
        frame = np.full((4, 6, 3), self.at, np.uint8)
        return type('NDArray', (), {'asnumpy': lambda self: frame})()


def test_efficient_mode_stays_stock():
    """Keyframe seeking (DecordDecode's mode='efficient') is not
    decode-once's business: the same seeks and keyframes as stock."""
    from mmaction.registry import TRANSFORMS
    inds = np.array([5, 2, 9, 2])
    frames = {}
    decode = 'DecordDecodeOnce'
    for kind in (decode, 'DecordDecode'):
        reader = SeekingReader()
        t = TRANSFORMS.build(dict(type=kind, mode='efficient'))
        frames[kind] = [int(f[0, 0, 0]) for f in
                        t._decord_load_frames(reader, inds)]
        assert reader.calls == [('seek', 0), ('seek', 5), ('seek', 2),
                                ('seek', 9), ('seek', 2)]
    assert frames[decode] == [4, 0, 8, 0]
