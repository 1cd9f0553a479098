"""Heatmap test data shared by the CPU renderer tests (models/utils) and the
device preprocessor tests (models/data_preprocessors): the three skeleton
layouts, random samples with every edge case of the stock windowing, and
the degenerate samples pose detectors give when they miss people."""
import numpy as np


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


MODES = [dict(with_kp=True, with_limb=False), dict(with_kp=False, with_limb=True),
         dict(with_kp=True, with_limb=True)]


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
