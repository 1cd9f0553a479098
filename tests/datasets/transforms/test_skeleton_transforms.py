"""Skeleton transforms vs expectations written from spec section 2.2."""
import random

import numpy as np
import pytest
from mmaction.datasets.transforms import FormatGCNInput
from mmaction.datasets.transforms.pose_transforms import \
    GenSkeFeat as StockGenSkeFeat
from mmaction.datasets.transforms.pose_transforms import \
    JointToBone as StockJointToBone
from mmaction.registry import TRANSFORMS

from mmaction2_ext.utils import DataError


def build(**cfg):
    return TRANSFORMS.build(cfg)


def skeleton(M=2, T=12, V=25, C=3, seed=0):
    return np.random.default_rng(seed).normal(size=(M, T, V, C)).astype(
        np.float32)


def test_random_rot_matches_rz_ry_rx():
    kp = skeleton()
    np.random.seed(7)
    out = build(type='RandomRot', theta=0.2)(dict(keypoint=kp.copy()))
    np.random.seed(7)
    a, b, c = np.random.uniform(-0.2, 0.2, 3)
    Rx = np.array([[1, 0, 0], [0, np.cos(a), np.sin(a)],
                   [0, -np.sin(a), np.cos(a)]])
    Ry = np.array([[np.cos(b), 0, -np.sin(b)], [0, 1, 0],
                   [np.sin(b), 0, np.cos(b)]])
    Rz = np.array([[np.cos(c), np.sin(c), 0], [-np.sin(c), np.cos(c), 0],
                   [0, 0, 1]])
    R = Rz @ Ry @ Rx
    expect = np.zeros_like(kp, dtype=np.float64)
    for m in range(2):
        for t in range(12):
            for v in range(25):
                expect[m, t, v] = R @ kp[m, t, v]
    np.testing.assert_allclose(out['keypoint'], expect, rtol=1e-5, atol=1e-6)
    zeros = np.zeros((1, 3, 25, 3), np.float32)
    state = np.random.get_state()[1].copy()
    assert build(type='RandomRot')(dict(keypoint=zeros))['keypoint'] is zeros
    assert np.array_equal(np.random.get_state()[1], state)  # no draw


def test_spatial_flip_relabels_without_mirroring():
    kp = skeleton()
    flip = build(type='Spatial_Flip', dataset='nturgb+d', p=0.5)
    random.seed(0)
    draws = [random.random() for _ in range(6)]
    random.seed(0)
    for d in draws:
        out = flip(dict(keypoint=kp.copy()))['keypoint']
        if d < 0.5:
            # left arm 4-7 <-> right arm 8-11, legs 12-15 <-> 16-19,
            # hands 21,22 <-> 23,24; coordinates themselves unchanged
            for a, b in [(4, 8), (5, 9), (6, 10), (7, 11), (12, 16),
                         (15, 19), (21, 23), (22, 24)]:
                np.testing.assert_array_equal(out[..., a, :], kp[..., b, :])
                np.testing.assert_array_equal(out[..., b, :], kp[..., a, :])
            np.testing.assert_array_equal(out[..., [0, 1, 2, 3, 20], :],
                                          kp[..., [0, 1, 2, 3, 20], :])
        else:
            np.testing.assert_array_equal(out, kp)


@pytest.mark.parametrize('feats', [['j'], ['b'], ['jm'], ['bm'], ['j', 'b']])
@pytest.mark.parametrize('dataset,V,C', [('nturgb+d', 25, 3),
                                         ('coco', 17, 2)])
def test_gen_ske_feat_unchanged_for_stock_streams(feats, dataset, V, C):
    kp = skeleton(V=V, C=C)
    score = np.random.default_rng(1).uniform(size=kp.shape[:3]).astype(
        np.float32)

    def res():
        r = dict(keypoint=kp.copy())
        if C == 2:
            r['keypoint_score'] = score.copy()
        return r
    ours = build(type='GenSkeFeatExt', dataset=dataset, feats=feats)(res())
    stock = StockGenSkeFeat(dataset=dataset, feats=feats)(res())
    np.testing.assert_array_equal(ours['keypoint'], stock['keypoint'])


STOCK_LAYOUTS = [('nturgb+d', 25), ('openpose', 18), ('coco', 17)]


@pytest.mark.parametrize('dataset,V', STOCK_LAYOUTS)
@pytest.mark.parametrize('C', [2, 3])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_joint_to_bone_equals_stock(dataset, V, C, dtype):
    """The registry's JointToBone is ours: stock's output on stock layouts."""
    kp = (np.random.default_rng(V * C).normal(size=(2, 7, V, C)) * 50).astype(
        dtype)
    ours = build(type='JointToBoneExt', dataset=dataset, target='b')(
        dict(keypoint=kp.copy()))['b']
    stock = StockJointToBone(dataset=dataset, target='b')(
        dict(keypoint=kp.copy()))['b']
    assert ours.dtype == stock.dtype and ours.shape == stock.shape
    np.testing.assert_array_equal(ours, stock)


@pytest.mark.parametrize('dataset,V', STOCK_LAYOUTS)
@pytest.mark.parametrize('shape,stock_error', [
    ((1, 3, None, 1), AssertionError), ((1, 3, None, 4), AssertionError),
    ((3, None, 2), ValueError), ((1, 1, 3, None, 2), ValueError)])
def test_joint_to_bone_refuses_what_stock_refuses(dataset, V, shape,
                                                  stock_error, reliability):
    """Keypoint channels must be 2 or 3 and the array (M, T, V, C): stock
    refuses the rest with a bare assert / unpacking error; ours raises the
    same exception type with a message naming sample and field."""
    kp = np.zeros(tuple(V if s is None else s for s in shape), np.float32)
    with pytest.raises(stock_error):
        StockJointToBone(dataset=dataset)(dict(keypoint=kp.copy()))
    with pytest.raises(stock_error) as err:
        build(type='JointToBoneExt', dataset=dataset)(
            dict(keypoint=kp.copy(), frame_dir='v1'))
    assert isinstance(err.value, DataError)
    assert "sample 'v1'" in str(err.value) and 'keypoint' in str(err.value)
    if dataset == 'coco':
        reliability.record('drop-in', f'JointToBone: keypoint shape '
                           f'{kp.shape}', str(err.value))


def test_k_bones_and_motion_ntu():
    kp = skeleton(T=5)
    k = build(type='GenSkeFeatExt', feats=['k'])(dict(keypoint=kp.copy()))
    # second-order partners, e.g. hand tip 21 -> wrist 7, knee 13 -> base 0
    for v, u in [(0, 20), (3, 20), (21, 7), (22, 6), (13, 0), (19, 17),
                 (20, 20), (1, 1)]:
        np.testing.assert_allclose(k['keypoint'][..., v, :],
                                   kp[..., v, :] - kp[..., u, :])
    km = build(type='GenSkeFeatExt', feats=['km'])(dict(keypoint=kp.copy()))
    kb = k['keypoint']
    np.testing.assert_allclose(km['keypoint'][:, :4], kb[:, 1:] - kb[:, :4],
                               atol=1e-6)
    assert not km['keypoint'][:, 4].any()


def test_coco_new_bones_average_score_but_k_and_motion_do_not():
    kp = skeleton(V=20, C=3, T=4)
    b = build(type='GenSkeFeatExt', dataset='coco_new', feats=['b'])(
        dict(keypoint=kp.copy()))['keypoint']
    np.testing.assert_allclose(b[..., 11, :2], kp[..., 11, :2] -
                               kp[..., 17, :2])
    np.testing.assert_allclose(b[..., 11, 2], (kp[..., 11, 2] +
                                               kp[..., 17, 2]) / 2)
    k = build(type='GenSkeFeatExt', dataset='coco_new', feats=['k'])(
        dict(keypoint=kp.copy()))['keypoint']
    np.testing.assert_allclose(k[..., 13, :], kp[..., 13, :] -
                               kp[..., 17, :])
    jm = build(type='GenSkeFeatExt', dataset='coco_new', feats=['jm'])(
        dict(keypoint=kp.copy()))['keypoint']
    np.testing.assert_allclose(jm[:, 0, :, 2], kp[:, 1, :, 2] - kp[:, 0, :, 2])
    with pytest.raises(ValueError, match='unknown feats'):
        build(type='GenSkeFeatExt', feats=['x'])


def test_kinetics_transform():
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 100, (2, 3, 17, 2)).astype(np.float32)
    sc = rng.uniform(size=(2, 3, 17)).astype(np.float32)
    out = build(type='Kinetics_Transform')(dict(keypoint=kp, keypoint_score=
                                                sc))
    new = out['keypoint']
    assert new.shape == (2, 3, 20, 3) and new.dtype == np.float32
    assert 'keypoint_score' not in out
    full = np.concatenate([kp, sc[..., None]], -1)
    np.testing.assert_allclose(new[..., :17, :], full)
    hip = (full[..., 11, :] + full[..., 12, :]) / 2
    neck = (full[..., 5, :] + full[..., 6, :]) / 2
    np.testing.assert_allclose(new[..., 17, :], hip, rtol=1e-6)
    np.testing.assert_allclose(new[..., 19, :], neck, rtol=1e-6)
    np.testing.assert_allclose(new[..., 18, :], (hip + neck) / 2, rtol=1e-6)
    with pytest.raises(DataError, match="sample 'v1'"):
        build(type='Kinetics_Transform')(dict(keypoint=kp[..., :5, :],
                                              frame_dir='v1'))


def reference_indices(T, clip_len, num_clips):
    """Spec 2.2 UniformSampleDecode, p_interval = 1, global numpy RNG."""
    out = []
    for _ in range(num_clips):
        ratio = np.random.rand() * 0 + 1
        n = int(ratio * T)
        off = np.random.randint(T - n + 1)
        if n < clip_len:
            s = np.random.randint(0, n)
            idx = [(s + i) % n for i in range(clip_len)]
        elif n < 2 * clip_len:
            chosen = np.random.choice(clip_len + 1, n - clip_len,
                                      replace=False)
            idx, shift = [], 0
            for i in range(clip_len):
                shift += int(i in chosen)
                idx.append(i + shift)
        else:
            edges = [i * n // clip_len for i in range(clip_len + 1)]
            pick = np.random.randint([edges[i + 1] - edges[i]
                                      for i in range(clip_len)])
            idx = [edges[i] + pick[i] for i in range(clip_len)]
        out += [i + off for i in idx]
    return out


@pytest.mark.parametrize('T', [5, 8, 13, 40])
def test_uniform_sample_decode_train(T):
    kp = np.arange(T, dtype=np.float32)[None, :, None, None] * np.ones(
        (2, T, 3, 3), np.float32)
    np.random.seed(11)
    out = build(type='UniformSampleDecode', clip_len=8, num_clips=2)(
        dict(keypoint=kp.copy()))
    np.random.seed(11)
    expect = reference_indices(T, 8, 2)
    assert out['keypoint'].shape == (2, 16, 3, 3) and out['num_clips'] == 2
    np.testing.assert_array_equal(out['keypoint'][0, :, 0, 0], expect)
    if T >= 8:  # sampled frames are increasing within each clip
        assert np.all(np.diff(out['keypoint'][0, :8, 0, 0]) > 0)


def test_uniform_sample_decode_test_mode_is_seeded_and_formats():
    T = 30
    kp = np.arange(T, dtype=np.float32)[None, :, None, None] * np.ones(
        (1, T, 25, 3), np.float32)
    sampler = build(type='UniformSampleDecode', clip_len=10, num_clips=3,
                    test_mode=True)
    np.random.seed(1)
    a = sampler(dict(keypoint=kp.copy()))['keypoint']
    np.random.rand(5)
    b = sampler(dict(keypoint=kp.copy()))['keypoint']
    np.testing.assert_array_equal(a, b)
    np.random.seed(255)
    np.testing.assert_array_equal(a[0, :, 0, 0], reference_indices(T, 10, 3))
    # upstream reads the mode from results when not given
    upstream_style = build(type='UniformSampleDecode', clip_len=10,
                           num_clips=3)
    c = upstream_style(dict(keypoint=kp.copy(), test_mode=True))['keypoint']
    np.testing.assert_array_equal(a, c)
    res = FormatGCNInput(num_person=2)(sampler(dict(keypoint=kp.copy())))
    assert res['keypoint'].shape == (3, 2, 10, 25, 3)
    assert not res['keypoint'][:, 1].any()  # padded second person
    with pytest.raises(DataError, match='keypoint'):
        sampler(dict(keypoint=np.zeros((1, 0, 25, 3)), frame_dir='empty'))


@pytest.mark.parametrize('dataset,V,score', [('coco', 17, True),
                                             ('coco_new', 20, False),
                                             ('nturgb+d', 25, False)])
def test_k_bones_average_a_score_channel_only_for_coco(dataset, V, score):
    """Upstream: COCO's 3rd channel is a score (averaged over the pair);
    coco_new k-bones and NTU's z are differenced."""
    kp = skeleton(V=V, C=3)
    k = build(type='JointToKB', dataset=dataset, target='k')(
        dict(keypoint=kp.copy()))['k']
    v, u = 3, 0  # coco / coco_new: ear 3 -> nose 0; NTU: head 3 -> 20
    if dataset == 'nturgb+d':
        u = 20
    np.testing.assert_allclose(k[..., v, :2], kp[..., v, :2] - kp[..., u, :2],
                               atol=1e-6)
    third = (kp[..., v, 2] + kp[..., u, 2]) / 2 if score else \
        kp[..., v, 2] - kp[..., u, 2]
    np.testing.assert_allclose(k[..., v, 2], third, atol=1e-6)
