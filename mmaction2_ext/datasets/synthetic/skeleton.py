"""Synthetic PYSKL skeleton pickles (the format of ``ntu60_3danno.pkl``,
``gym_hrnet.pkl`` and the iMiGUE pickles), separable by construction.

Every class oscillates the joints of a shared random template along its own
direction field at its own frequency. The class cues are built to survive
what a skeleton GCN does to them, so a small model learns the classes in a
few CPU minutes:

- GCNs share weights over joints and average over joints, frames and
  persons, so joint-wise i.i.d. random directions look alike for every class
  after pooling. Each class has a principal axis (the classes' axes spread
  apart) and each joint deviates from it by a random direction.
- The frequency is given in cycles per sequence: uniform samplers squeeze
  sequences of any length into a fixed clip, which scatters a period given
  in frames.
- The motion is large against what the pipelines do not normalize away:
  each person's random position (PreNormalize3D centres on the first person
  only, PreNormalize2D not at all) and the zero-padded missing person.
"""
import os.path as osp
from typing import Dict, Sequence

import numpy as np

from ...utils import atomic_pickle_dump, safe_load
from ..layouts import LAYOUTS as SKELETONS



def _spec(layout: str, **kwargs) -> Dict:
    skeleton = SKELETONS[layout]
    return dict(num_joints=skeleton.num_joints, dims=skeleton.coords,
                **kwargs)


# --layout -> joints and coordinate dims (the skeleton layout's), max
# persons, default splits, fixed frame count
LAYOUTS = {
    'ntu': _spec('nturgb+d', max_person=2, frames=None,
                 splits=('xsub_train', 'xsub_val')),
    'coco': _spec('coco', max_person=2, frames=None, splits=('train', 'val')),
    'imigue': _spec('imigue', max_person=1, frames=90,
                    splits=('train', 'val', 'test')),
}
IMG_SHAPE = (1080, 1920)


# per coordinate dimensionality: template scale, motion amplitude, std of
# each person's position, noise std (metres for 3D, pixels for 2D), origin
GEOMETRY = {
    3: dict(scale=0.4, amp=0.4, jitter=0.05, noise=0.01, origin=(0., 0., 3.)),
    2: dict(scale=150., amp=120., jitter=15., noise=2.,
            origin=(IMG_SHAPE[1] / 2, IMG_SHAPE[0] / 2)),
}
# weight of the class axis against each joint's own unit direction
AXIS_WEIGHT = 2.
# cycles per sequence, spread evenly over the classes
CYCLES = (1.5, 4.5)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _spread_axes(rng: np.random.Generator, num: int, dims: int) -> np.ndarray:
    """(num, dims) unit axes chosen greedily far apart as undirected lines
    (a random phase makes +u and -u the same motion)."""
    cand = _unit(rng.normal(size=(max(256, 4 * num), dims)))
    axes = [cand[0]]
    for _ in range(num - 1):
        cos = np.abs(cand @ np.stack(axes).T).max(1)
        axes.append(cand[np.argmin(cos)])
    return np.stack(axes)


def _class_motions(rng: np.random.Generator, num_classes: int, num_joints: int,
                   dims: int) -> tuple:
    """Directions (num_classes, num_joints, dims) and cycles per sequence."""
    axes = _spread_axes(rng, num_classes, dims)
    own = _unit(rng.normal(size=(num_classes, num_joints, dims)))
    directions = _unit(AXIS_WEIGHT * axes[:, None] + own)
    cycles = rng.permutation(np.linspace(*CYCLES, num_classes))
    return directions, cycles


def _sample_keypoints(rng, template, direction, cycles, num_person, frames,
                      dims) -> np.ndarray:
    """(M, T, V, C) coordinates: metres for 3D, pixels for 2D."""
    geo = GEOMETRY[dims]
    t = np.arange(frames)[None, :, None, None]
    phase = rng.uniform(0, 2 * np.pi, size=(num_person, 1, 1, 1))
    wave = np.sin(2 * np.pi * cycles * t / frames + phase)
    offset = np.array(geo['origin']) + rng.normal(
        0, geo['jitter'], (num_person, 1, 1, dims))
    kp = offset + geo['scale'] * template + geo['amp'] * wave * direction
    kp += rng.normal(0, geo['noise'], size=kp.shape)
    return kp.astype(np.float32)


def make_skeleton_dataset(layout: str, num_classes: int = 4,
                          samples_per_class: Sequence[int] = (12, 4),
                          seed: int = 0, min_frames: int = 40,
                          max_frames: int = 80) -> Dict:
    """Build a PYSKL pickle dict ``{'split': {...}, 'annotations': [...]}``.

    Args:
        layout: 'ntu' (25 joints, 3D), 'coco' (17 joints, 2D + score) or
            'imigue' (22 joints, 2D + score, 90 frames, one person).
        samples_per_class: samples per class for each split of the layout,
            in the order of ``LAYOUTS[layout]['splits']``.
    """
    spec = LAYOUTS[layout]
    rng = np.random.default_rng(seed)
    num_joints, dims = spec['num_joints'], spec['dims']
    template = rng.normal(size=(num_joints, dims))
    directions, cycles = _class_motions(rng, num_classes, num_joints, dims)
    split, annotations = {}, []
    for split_name, per_class in zip(spec['splits'], samples_per_class):
        split[split_name] = []
        for label in range(num_classes):
            for i in range(per_class):
                name = f'{split_name}_{label:03d}_{i:04d}'
                frames = spec['frames'] or int(
                    rng.integers(min_frames, max_frames + 1))
                num_person = int(rng.integers(1, spec['max_person'] + 1))
                kp = _sample_keypoints(rng, template, directions[label],
                                       cycles[label], num_person, frames,
                                       dims)
                anno = dict(frame_dir=name, label=label, img_shape=IMG_SHAPE,
                            original_shape=IMG_SHAPE, total_frames=frames,
                            keypoint=kp)
                if dims == 2:
                    anno['keypoint_score'] = rng.uniform(
                        0.6, 1.0, size=kp.shape[:3]).astype(np.float32)
                split[split_name].append(name)
                annotations.append(anno)
    return dict(split=split, annotations=annotations)


def write_skeleton_pickle(path: str, layout: str, **kwargs) -> str:
    """Write :func:`make_skeleton_dataset` to ``path`` atomically."""
    atomic_pickle_dump(make_skeleton_dataset(layout, **kwargs), path)
    return path


def add_arguments(parser) -> None:
    parser.add_argument('--layout', choices=sorted(LAYOUTS), default='ntu')
    parser.add_argument('--num-classes', type=int, default=4)
    parser.add_argument('--samples-per-class', type=int, nargs='+',
                        default=[12, 4],
                        help='per split, in the layout\'s split order')


def generate(args) -> None:
    path = osp.join(args.out, f'{args.layout}_synthetic.pkl')
    write_skeleton_pickle(path, args.layout, num_classes=args.num_classes,
                          samples_per_class=args.samples_per_class,
                          seed=args.seed)
    splits = safe_load(path)['split']
    sizes = ', '.join(f'{k}: {len(v)}' for k, v in splits.items())
    print(f'wrote {path} ({sizes})')
