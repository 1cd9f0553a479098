"""Synthetic MA-52: mp4 videos of a moving 28-keypoint figure, the official
pose pickles and ``*_list_videos.txt`` files, separable by construction.

Every class moves the joints of its body part (head, arm, legs, ...) along its
own directions at its own period; the video draws the same figure, the moving
joints in the body part's colour. Output (under ``--out``)::

    raw_videos/<id>.mp4
    MA-52_openpose_28kp/MA52_{train,val,test}.pkl
    annotations/{train,val,test}_list_videos.txt   (test labels all 0)
    annotations/test_list_videos_gt.txt            (the hidden test labels)
"""
import os
import os.path as osp
from typing import Dict, List, Sequence

import cv2
import numpy as np

from ...utils import atomic_pickle_dump, atomic_write
from ..ma52_labels import MA52_ACTION_TO_BODY

# OpenPose-18 order, then 5 left-hand (on kp 7) and 5 right-hand (on kp 4)
# points; (x, y) in figure units, y down.
TEMPLATE = np.array(
    [(0, -.75), (0, -.5), (-.25, -.5), (-.35, -.15), (-.4, .15), (.25, -.5),
     (.35, -.15), (.4, .15), (-.15, .15), (-.2, .5), (-.2, .85), (.15, .15),
     (.2, .5), (.2, .85), (-.05, -.8), (.05, -.8), (-.1, -.77), (.1, -.77)] +
    [(.4 + .03 * i, .22) for i in range(-2, 3)] +
    [(-.4 + .03 * i, .22) for i in range(-2, 3)], dtype=np.float32)
EDGES = ((4, 3), (3, 2), (7, 6), (6, 5), (13, 12), (12, 11), (10, 9), (9, 8),
         (11, 5), (8, 2), (5, 1), (2, 1), (0, 1), (15, 0), (14, 0), (17, 15),
         (16, 14)) + tuple((h, 7) for h in range(18, 23)) + tuple(
             (h, 4) for h in range(23, 28))
RIGHT_ARM = (3, 4, *range(23, 28))
# joints that move for each body part (MA-52 A-G)
BODY_JOINTS = (tuple(range(28)), (0, 14, 15, 16, 17), (2, *RIGHT_ARM, 5, 6, 7),
               (9, 10, 12, 13), RIGHT_ARM, RIGHT_ARM, RIGHT_ARM)
BODY_COLOURS = ((255, 64, 64), (64, 255, 64), (64, 64, 255), (255, 255, 64),
                (255, 64, 255), (64, 255, 255), (255, 160, 64))
DEFAULT_CLASSES = (0, 5, 11, 17, 24, 32, 38, 48)
SPLITS = ('train', 'val', 'test')


def class_motion(action: int, seed: int):
    """(joints, (J, 2) unit directions, period) of one action class."""
    rng = np.random.default_rng([seed, action])
    joints = BODY_JOINTS[MA52_ACTION_TO_BODY[action]]
    dirs = rng.normal(size=(len(joints), 2))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    return joints, dirs, rng.uniform(6, 16)


def sample_keypoints(rng, action: int, frames: int, size: int,
                     seed: int) -> np.ndarray:
    """(1, T, 28, 2) float32 pixel coordinates of one video."""
    joints, dirs, period = class_motion(action, seed)
    scale = size * 0.38
    centre = size / 2 + rng.normal(0, size * 0.02, 2)
    phase = rng.uniform(0, 2 * np.pi)
    wave = np.sin(2 * np.pi * np.arange(frames) / period + phase)
    kp = np.broadcast_to(TEMPLATE, (frames, 28, 2)).copy()
    kp[:, joints] += 0.5 * wave[:, None, None] * dirs[None]
    kp = centre + scale * kp + rng.normal(0, 0.4, kp.shape)
    return kp[None].astype(np.float32)


def render_video(path: str, keypoint: np.ndarray, action: int,
                 size: int, fps: int = 30) -> None:
    """Draw the figure of ``keypoint`` (1, T, 28, 2) into an mp4."""
    joints = set(BODY_JOINTS[MA52_ACTION_TO_BODY[action]])
    colour = BODY_COLOURS[MA52_ACTION_TO_BODY[action]]
    tmp = path + '.tmp.mp4'
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (size, size))
    for frame_kp in keypoint[0]:
        img = np.full((size, size, 3), 24, np.uint8)
        pts = [tuple(int(round(v)) for v in p) for p in frame_kp]
        for a, b in EDGES:
            cv2.line(img, pts[a], pts[b], (200, 200, 200), 1)
        for j, p in enumerate(pts):
            cv2.circle(img, p, 2, colour if j in joints else (255, 255, 255), -1)
        writer.write(img[..., ::-1].copy())  # BGR for OpenCV
    writer.release()
    os.replace(tmp, path)


def make_ma52(out: str, classes: Sequence[int] = DEFAULT_CLASSES,
              samples_per_class: Sequence[int] = (12, 4, 4), seed: int = 0,
              size: int = 96, frames: Sequence[int] = (40, 56)) -> Dict[str, List]:
    """Write the dataset under ``out``; returns {split: annotation list}."""
    if size < 64 or size % 16:
        # decord returns 4-channel frames for some tiny mp4v videos (48 px)
        raise ValueError(f'size must be a multiple of 16, >= 64; got {size}')
    rng = np.random.default_rng(seed)
    video_dir = osp.join(out, 'raw_videos')
    os.makedirs(video_dir, exist_ok=True)
    annotations = {}
    for split, per_class in zip(SPLITS, samples_per_class):
        labels = rng.permutation(np.repeat(np.asarray(classes), per_class))
        print(f'[{split}] rendering {len(labels)} videos', flush=True)
        annos = []
        for index, action in enumerate(labels):
            action = int(action)
            vid = (f'test{index:04d}' if split == 'test' else
                   f'{SPLITS.index(split) + 1:04d}_01_{index:04d}')
            total = int(rng.integers(frames[0], frames[1] + 1))
            kp = sample_keypoints(rng, action, total, size, seed)
            render_video(osp.join(video_dir, vid + '.mp4'), kp, action, size)
            annos.append(dict(
                frame_dir=vid, label=0 if split == 'test' else action,
                total_frames=total, img_shape=(size, size),
                original_shape=(size, size), keypoint=kp,
                keypoint_score=np.full(kp.shape[:3], 0.9, np.float32),
                true_label=action))
        annotations[split] = annos
        _write_split(out, split, annos)
    return annotations


def _write_split(out: str, split: str, annos: List[Dict]) -> None:
    pose = [{k: v for k, v in a.items() if k != 'true_label'} for a in annos]
    atomic_pickle_dump(pose, osp.join(out, 'MA-52_openpose_28kp',
                                      f'MA52_{split}.pkl'))
    lists = {f'{split}_list_videos.txt': 'label'}
    if split == 'test':
        lists['test_list_videos_gt.txt'] = 'true_label'
    for name, key in lists.items():
        with atomic_write(osp.join(out, 'annotations', name), 'w') as f:
            f.writelines(f"{a['frame_dir']}.mp4 {a[key]}\n" for a in annos)


def add_arguments(parser) -> None:
    parser.add_argument('--classes', type=int, nargs='+',
                        default=list(DEFAULT_CLASSES),
                        help='MA-52 action ids to generate')
    parser.add_argument('--samples-per-class', type=int, nargs=3,
                        default=[12, 4, 4], metavar=('TRAIN', 'VAL', 'TEST'))
    parser.add_argument('--size', type=int, default=96, help='frame size (px)')


def generate(args) -> None:
    annos = make_ma52(args.out, args.classes, args.samples_per_class,
                      args.seed, args.size)
    counts = ', '.join(f'{k} {len(v)}' for k, v in annos.items())
    print(f'synthetic MA-52 ({len(args.classes)} classes: {counts}) '
          f'written to {args.out}')
