"""FastGeneratePoseTarget against the stock mmaction2 GeneratePoseTarget.

The stock transform is an independent reference (per-frame, per-person Python
loops); every argument combination and the edge cases of its windowing and
thresholds must agree within 1e-5.
"""
import itertools

import numpy as np
import pytest
from mmaction.datasets.transforms.pose_transforms import GeneratePoseTarget
from mmaction.registry import TRANSFORMS

from mmaction2_ext.datasets.transforms.heatmaps import FastGeneratePoseTarget
from mmaction2_ext.utils import DataError
from helpers.heatmap_cases import (DEGENERATE, LAYOUTS, MIGA_LIMBS, MODES,
                                    degenerate_sample, heatmap_summary,
                                    make_sample)


def compare(cfg, sample, **extra):
    ref = GeneratePoseTarget(**cfg)(dict(sample))
    ours = FastGeneratePoseTarget(**cfg, **extra)(dict(sample))
    key = 'heatmap_imgs' if 'imgs' in sample else 'imgs'
    assert ours[key].dtype == np.float32
    assert ours[key].shape == ref[key].shape
    np.testing.assert_allclose(ours[key], ref[key], rtol=0, atol=1e-5)
    # the edge cases must not leave everything empty
    assert ref[key].max() > 0.1
    return ours[key]


@pytest.mark.parametrize(
    'num_kp,num_person,mode,double,use_score',
    list(itertools.product([17, 22, 28], [1, 2], range(3), [False, True],
                           [True, False])))
def test_matches_stock(num_kp, num_person, mode, double, use_score):
    seed = hash((num_kp, num_person, mode, double, use_score)) % 2**32
    rng = np.random.default_rng(seed)
    sample = make_sample(rng, num_person, 3, num_kp, (20, 27))
    cfg = dict(LAYOUTS[num_kp], sigma=0.6, use_score=use_score,
               double=double, **MODES[mode])
    compare(cfg, sample)


@pytest.mark.parametrize('scaling,sigma,img_shape', [
    (0.25, 0.7, (96, 80)), (0.5, 0.6, (41, 37)), (1.3, 1.1, (17, 23)),
    (1., 2.5, (24, 24))])
@pytest.mark.parametrize('mode', range(3))
def test_scaling_and_sigma(scaling, sigma, img_shape, mode):
    rng = np.random.default_rng(mode)
    sample = make_sample(rng, 2, 3, 17, img_shape)
    compare(dict(sigma=sigma, scaling=scaling, double=True, **MODES[mode]),
            sample)


def test_input_variants():
    """No scores, float64 scores, (x, y, score) keypoints, RGB present."""
    rng = np.random.default_rng(1)
    sample = make_sample(rng, 2, 4, 17, (32, 30))
    no_score = {k: v for k, v in sample.items() if k != 'keypoint_score'}
    compare(dict(with_limb=True), no_score)
    sample64 = dict(sample, keypoint_score=sample['keypoint_score'].astype(
        np.float64))
    compare(dict(with_limb=True, with_kp=False), sample64)
    kp3 = np.concatenate([sample['keypoint'], sample['keypoint_score'][..., None]],
                         -1)
    compare(dict(), dict(sample, keypoint=kp3))
    with_rgb = dict(sample, imgs=np.zeros((4, 32, 30, 3), np.uint8))
    compare(dict(double=True), with_rgb)
    three = make_sample(rng, 3, 2, 17, (32, 30))
    compare(dict(with_limb=True), three)


def test_flip_lists_that_are_no_permutation():
    rng = np.random.default_rng(2)
    sample = make_sample(rng, 2, 3, 17, (25, 25))
    compare(dict(double=True, left_kp=(1, 2, 5), right_kp=(2, 3, 5)), sample)


def test_unscored_nan_is_skipped_and_scored_nan_is_an_error():
    rng = np.random.default_rng(3)
    sample = make_sample(rng, 2, 3, 17, (25, 25))
    sample['keypoint'][1, 2, 4] = np.nan
    sample['keypoint_score'][1, 2, 4] = 0
    compare(dict(with_limb=True), sample)
    sample['keypoint_score'][1, 2, 4] = 0.5
    with pytest.raises(DataError, match=r"sample_0.*keypoint.*person 1, "
                       r"frame 2, joint 4"):
        FastGeneratePoseTarget()(dict(sample))
    with pytest.raises(DataError, match='keypoint_score'):
        FastGeneratePoseTarget()(dict(sample, keypoint_score=np.ones((2, 3))))


def test_separate_limb_channels_option():
    """Stock draws limbs over keypoint channels 0..L-1 with both modes on;
    the option puts them into channels V..V+L-1 instead."""
    rng = np.random.default_rng(4)
    sample = make_sample(rng, 2, 3, 17, (30, 30))
    kp = GeneratePoseTarget(with_kp=True)(dict(sample))['imgs']
    limb = GeneratePoseTarget(with_kp=False, with_limb=True)(dict(sample))['imgs']
    stock_both = GeneratePoseTarget(with_limb=True)(dict(sample))['imgs']
    assert stock_both[:, 17:].max() == 0  # the quirk that default keeps
    ours = FastGeneratePoseTarget(with_limb=True, separate_limb_channels=True)(
        dict(sample))['imgs']
    np.testing.assert_allclose(ours, np.concatenate([kp, limb], 1), atol=1e-5)


def test_registered_and_repr():
    t = TRANSFORMS.build(dict(type='FastGeneratePoseTarget', sigma=0.7,
                              with_limb=True))
    assert isinstance(t, FastGeneratePoseTarget)
    assert 'sigma=0.7' in repr(t) and 'separate_limb_channels=False' in repr(t)



@pytest.mark.parametrize('case', DEGENERATE)
def test_degenerate_samples_match_stock(case, reliability):
    """Nothing (or almost nothing) to draw: stock's output, never a crash."""
    outputs = []
    for num_kp, mode, double in itertools.product([17, 28], range(3),
                                                  [False, True]):
        sample = degenerate_sample(case, num_kp)
        cfg = dict(LAYOUTS[num_kp], double=double, **MODES[mode])
        ref = GeneratePoseTarget(**cfg)(dict(sample))['imgs']
        ours = FastGeneratePoseTarget(**cfg)(dict(sample))['imgs']
        assert ours.dtype == np.float32 and ours.shape == ref.shape
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-5)
        outputs.append((ours, ref))
    ours, ref = outputs[0]  # 17 joints, keypoints, no flip
    reliability.record('drop-in', f'FastGeneratePoseTarget: {case}',
                       heatmap_summary(ours, ref))


def test_random_degenerate_sweep():
    """Random near-empty samples (sparse scores at the eps threshold, tiny
    or zero-size heatmaps, extreme sigma, joints on the border) vs stock."""
    rng = np.random.default_rng(12)
    special = np.array([0., -1., 5e-5, 1e-4, 0.99e-4, 1.0001e-4, 1.],
                       np.float32)
    for _ in range(60):
        h, w = rng.choice([0, 1, 2, 5, 17], 2)
        shape = (int(rng.integers(0, 3)), int(rng.integers(0, 3)), 17, 2)
        kp = rng.uniform(-3, max(h, w) + 3, shape).astype(np.float32)
        on_border = rng.random(shape) < .3
        kp[on_border] = np.round(kp[on_border])
        kp[..., 0][rng.random(shape[:3]) < .2] = w - 1
        kp[..., 1][rng.random(shape[:3]) < .2] = h
        score = rng.uniform(0, 1, shape[:3]).astype(np.float32)
        pick = rng.random(shape[:3]) < rng.choice([.5, .95])
        score[pick] = rng.choice(special, pick.sum())
        if rng.random() < .5:
            score = score.astype(np.float64)
        cfg = dict(MODES[rng.integers(3)], double=bool(rng.integers(2)),
                   sigma=float(rng.choice([1e-3, 1 / 6, 0.6, 3., 50.])),
                   scaling=float(rng.choice([1., 0.25, 1.3])),
                   use_score=bool(rng.random() < .8))
        sample = dict(keypoint=kp, keypoint_score=score,
                      img_shape=(int(h), int(w)))
        ref = GeneratePoseTarget(**cfg)(dict(sample))['imgs']
        ours = FastGeneratePoseTarget(**cfg)(dict(sample))['imgs']
        assert ours.shape == ref.shape, cfg
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-5,
                                   err_msg=str(cfg))


def test_nan_joints_without_use_score_are_an_error(reliability):
    """use_score=False draws every joint: stock crashes on a NaN joint
    (or returns NaN limb maps); ours names it instead of drawing it at 0."""
    sample = make_sample(np.random.default_rng(3), 2, 3, 17, (25, 25))
    sample['keypoint'][1, 2, 4] = np.nan
    sample['keypoint_score'][1, 2, 4] = 0
    with pytest.raises(ValueError):
        GeneratePoseTarget(use_score=False)(dict(sample))
    with pytest.raises(DataError, match=r'sample_0.*use_score=False.*person 1'
                       r', frame 2, joint 4') as err:
        FastGeneratePoseTarget(use_score=False, with_limb=True)(dict(sample))
    reliability.record('drop-in', 'FastGeneratePoseTarget: NaN joint with '
                       'use_score=False', str(err.value))


@pytest.mark.parametrize('case,cfg,match', [
    ('skeleton joint the sample lacks', dict(with_limb=True, skeletons=MIGA_LIMBS),
     r'skeletons use joint 21, but the sample has 17 joints'),
    ('flip channel the heatmaps lack', dict(double=True, left_kp=(1, 30),
                                            right_kp=(2, 3)),
     r'left_kp/right_kp name channel 30, but the heatmaps have 17')])
def test_layout_mismatch_is_named(case, cfg, match, reliability):
    """Stock crashes with a bare IndexError; ours names sample and field."""
    sample = make_sample(np.random.default_rng(6), 1, 2, 17, (20, 20))
    with pytest.raises(IndexError):
        GeneratePoseTarget(**cfg)(dict(sample))
    with pytest.raises(DataError, match=r"sample_0 \[field 'keypoint'\]: " +
                       match) as err:
        FastGeneratePoseTarget(**cfg)(dict(sample))
    reliability.record('drop-in', f'FastGeneratePoseTarget: {case}',
                       str(err.value))
