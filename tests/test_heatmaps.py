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

COCO_LIMBS = ((0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (5, 7), (7, 9), (0, 6),
              (6, 8), (8, 10), (5, 11), (11, 13), (13, 15), (6, 12), (12, 14),
              (14, 16), (11, 12))
# iMiGUE 22-joint limbs (miga.md 2.2)
MIGA_LIMBS = ((0, 1), (2, 1), (2, 3), (3, 4), (4, 5), (2, 6), (6, 7), (7, 8),
              (1, 9), (9, 11), (1, 10), (10, 11), (5, 12), (5, 13), (5, 14),
              (5, 15), (5, 16), (8, 17), (8, 18), (8, 19), (8, 20), (8, 21))
# 28 joints: OpenPose-18 plus five points on each hand (pcan.md)
MA52_LIMBS = ((0, 1), (1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7), (1, 8),
              (8, 9), (9, 10), (1, 11), (11, 12), (12, 13), (0, 14), (0, 15),
              (14, 16), (15, 17)) + tuple((7, k) for k in range(18, 23)) + \
    tuple((4, k) for k in range(23, 28))
LAYOUTS = {
    17: dict(skeletons=COCO_LIMBS),
    22: dict(skeletons=MIGA_LIMBS, left_kp=tuple(range(1, 21, 2)),
             right_kp=tuple(range(2, 21, 2)), left_limb=tuple(range(1, 21, 2)),
             right_limb=tuple(range(2, 21, 2))),
    28: dict(skeletons=MA52_LIMBS, left_kp=(2, 3, 4, 8, 9, 10, 14, 16),
             right_kp=(5, 6, 7, 11, 12, 13, 15, 17),
             left_limb=(1, 2, 3, 7, 8, 9), right_limb=(4, 5, 6, 10, 11, 12)),
}


def make_sample(rng, num_person, num_frame, num_kp, img_shape, scale=1.):
    """Random keypoints with every edge case of the stock windowing."""
    h, w = img_shape
    kp = np.empty((num_person, num_frame, num_kp, 2), np.float32)
    # half the persons spread over (and beyond) the image, half compact
    kp[..., 0] = rng.uniform(-6, w + 6, kp.shape[:3])
    kp[..., 1] = rng.uniform(-6, h + 6, kp.shape[:3])
    centre = rng.uniform(0, 1, (num_person, num_frame, 1, 2)) * (w, h)
    compact = centre + rng.normal(0, 4, kp.shape)
    kp = np.where(rng.random(kp.shape[:3])[..., None] < .5, kp, compact)
    # windows that truncation towards zero keeps or drops; exact integers;
    # coincident joints (limbs shorter than a pixel); far outside
    edge = np.array([[-0.5, 3.], [-2., 2.], [-2.9, -0.2], [0., 0.],
                     [w - 1., h - 1.], [w + 1.5, 4.], [5., h + 2.1],
                     [3.2, 3.7], [3.6, 3.9], [-40., 1e4]], np.float32)
    n = min(len(edge), num_kp)
    kp[0, 0, :n] = edge[:n]
    if num_frame > 1:
        kp[-1, 1, 1] = kp[-1, 1, 0] + 0.3  # limb (0, 1) shorter than 1
    score = rng.uniform(0, 1, kp.shape[:3]).astype(np.float32)
    special = np.array([0., 5e-5, 1e-4, 0.99e-4, 1.], np.float32)
    pick = rng.random(score.shape) < .2
    score[pick] = rng.choice(special, pick.sum())
    return dict(keypoint=kp / scale, keypoint_score=score, img_shape=img_shape,
                frame_dir='sample_0')


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


MODES = [dict(with_kp=True, with_limb=False), dict(with_kp=False, with_limb=True),
         dict(with_kp=True, with_limb=True)]


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


def _scores(value):
    def edit(s):
        s['keypoint_score'][:] = value
    return edit


def _move(offset):
    def edit(s):
        s['keypoint'] += np.float32(offset)
    return edit


def _persons(num):
    def edit(s):
        s['keypoint'] = s['keypoint'][:num]
        s['keypoint_score'] = s['keypoint_score'][:num]
    return edit


def _frames(num):
    def edit(s):
        s['keypoint'] = s['keypoint'][:, :num]
        s['keypoint_score'] = s['keypoint_score'][:, :num]
    return edit


def _one_keypoint(s):
    s['keypoint_score'][:] = 0
    s['keypoint_score'][1, 2, 5] = 0.7
    s['keypoint'][1, 2, 5] = (10.3, 8.6)


def _one_person_missed(s):
    s['keypoint_score'][0] = 0


def _float64_scores_at_eps(s):
    # float32(1e-4) is below 1e-4 in float64 (stock skips it), not in float32
    s['keypoint_score'][:] = np.float32(1e-4)
    s['keypoint_score'][0] = 0.8
    s['keypoint_score'] = s['keypoint_score'].astype(np.float64)


# what pose detectors give when they miss people: (case, edit, img_shape)
DEGENERATE = {
    'all keypoint scores 0': (_scores(0), (20, 27)),
    'all keypoint scores negative': (_scores(-0.5), (20, 27)),
    'all keypoints outside the image': (_move(1000), (20, 27)),
    'all keypoints left of / above the image': (_move(-50), (20, 27)),
    'zero persons': (_persons(0), (20, 27)),
    'zero frames': (_frames(0), (20, 27)),
    'zero-height heatmap': (lambda s: None, (0, 27)),
    'zero-width heatmap': (lambda s: None, (20, 0)),
    'one scored keypoint': (_one_keypoint, (20, 27)),
    'one of two persons unscored': (_one_person_missed, (20, 27)),
    'float64 scores exactly float32(1e-4)': (_float64_scores_at_eps, (20, 27)),
}


def degenerate_sample(case, num_kp=17, seed=0):
    edit, img_shape = DEGENERATE[case]
    sample = make_sample(np.random.default_rng(seed), 2, 3, num_kp, (20, 27))
    edit(sample)
    sample['img_shape'] = img_shape
    return sample


def heatmap_summary(heatmaps, ref):
    """What a user gets, in words: all-zero or drawn, shape, like stock."""
    kind = 'heatmaps' if heatmaps.any() else 'all-zero heatmaps'
    same = heatmaps.shape == ref.shape and np.allclose(heatmaps, ref, rtol=0,
                                                       atol=1e-5)
    return f"{kind} {heatmaps.shape}{' like stock' if same else ''}"


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
