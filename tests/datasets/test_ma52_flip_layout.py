"""MA-52's 28-keypoint flip lists, derived from the layout in pcan.md 4:
OpenPose-18 (2-4 right arm, 5-7 left arm, 8-10 right leg, 11-13 left leg,
14/15 right/left eye, 16/17 right/left ear), hand points 18-27 not swapped."""
import glob
import os.path as osp

import numpy as np
from mmengine.config import Config
from mmaction.datasets.transforms import Flip

RIGHT_ARM, LEFT_ARM = range(2, 5), range(5, 8)
RIGHT_LEG, LEFT_LEG = range(8, 11), range(11, 14)
EYES, EARS = (14, 15), (16, 17)
# the configs' "left" list is OpenPose's right side, paired in order
EXPECTED_LEFT = [*RIGHT_ARM, *RIGHT_LEG, EYES[0], EARS[0]]
EXPECTED_RIGHT = [*LEFT_ARM, *LEFT_LEG, EYES[1], EARS[1]]


def flips(node):
    """Every Flip dict anywhere in a config value."""
    if isinstance(node, dict):
        if node.get('type') == 'Flip':
            yield node
        for value in node.values():
            yield from flips(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from flips(value)


def test_every_ma52_pose_flip_uses_the_layout_pairs(repo_root):
    checked = 0
    for path in sorted(glob.glob(osp.join(repo_root, 'configs', 'pcan',
                                          '*.py'))):
        cfg = Config.fromfile(path)
        for flip in flips(cfg.to_dict()):
            if 'left_kp' not in flip:
                continue  # RGB-only flips have no keypoints
            assert list(flip['left_kp']) == EXPECTED_LEFT, path
            assert list(flip['right_kp']) == EXPECTED_RIGHT, path
            checked += 1
    assert checked >= 3  # rgb+pose, pose-only, the tiny demo


def test_flip_swaps_body_pairs_and_keeps_hand_points():
    """mmaction's Flip with these lists on a 28-kp skeleton, kp j at
    x = j + 1 (x' = width - x)."""
    width = 100
    keypoint = np.zeros((1, 1, 28, 2), np.float32)
    keypoint[..., 0] = np.arange(28) + 1
    results = dict(keypoint=keypoint.copy(),
                   keypoint_score=np.ones((1, 1, 28), np.float32),
                   img_shape=(64, width), modality='Pose')
    out = Flip(flip_ratio=1., left_kp=EXPECTED_LEFT,
               right_kp=EXPECTED_RIGHT)(results)
    x = out['keypoint'][0, 0, :, 0]
    partner = {**dict(zip(EXPECTED_LEFT, EXPECTED_RIGHT)),
               **dict(zip(EXPECTED_RIGHT, EXPECTED_LEFT))}
    for j in range(28):
        source = partner.get(j, j)
        assert x[j] == width - (source + 1), j
    assert all(partner.get(j, j) == j for j in (0, 1, *range(18, 28)))
