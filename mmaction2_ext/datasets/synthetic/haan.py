"""Synthetic HAAN feature sets in the official on-disk format, with planted
action segments (each fine class adds its own direction to its clips).

Writes ``video_names.npy``, ``labels.npy``, ``segments.npy``,
``sec2clip_ratios.npy``, ``fine_to_coarse_mappings.json`` and either one
``features.npy`` object array (official) or ``features/<video>.npy`` files.
"""
import json
import os
import os.path as osp

import numpy as np

from ...utils import atomic_write


def _save_npy(path: str, array: np.ndarray) -> None:
    with atomic_write(path, 'wb') as f:
        np.save(f, array, allow_pickle=True)


def _object_array(items) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def make_haan_dataset(out_dir: str, num_fine_classes: int = 6,
                      num_coarse_classes: int = 2, num_train: int = 48,
                      num_test: int = 24, feature_size: int = 32,
                      min_clips: int = 20, max_clips: int = 40,
                      sec2clip_ratio: float = 1.5, signal: float = 5.,
                      per_video_features: bool = False, seed: int = 0) -> dict:
    """Write the dataset; returns the paths and sizes for configs.

    Every video holds one or two instances of different fine classes (class
    ``i % C`` always among them, so all classes are in both splits), each a
    run of 3-8 clips whose features are ``noise + signal * direction_c``.
    """
    rng = np.random.default_rng(seed)
    f2c = [c % num_coarse_classes for c in range(num_fine_classes)]
    directions = rng.normal(size=(num_fine_classes, feature_size))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    names, labels, segments, features = [], [], [], []
    for i in range(num_train + num_test):
        t = int(rng.integers(min_clips, max_clips + 1))
        feats = rng.normal(0, 1, size=(t, feature_size)).astype(np.float32)
        classes = [i % num_fine_classes]
        if rng.random() < .5:
            other = int(rng.integers(num_fine_classes - 1))
            classes.append(other + (other >= classes[0]))
        # non-overlapping slots: the video is split into len(classes) halves
        bounds = np.linspace(0, t, len(classes) + 1).astype(int)
        vid_labels, vid_segments = [], []
        for c, lo, hi in zip(classes, bounds[:-1], bounds[1:]):
            length = int(rng.integers(3, min(8, hi - lo - 1) + 1))
            start = int(rng.integers(lo + 1, hi - length + 1))
            feats[start:start + length] += signal * directions[c]
            vid_labels.append([f2c[c], c])
            vid_segments.append([start / sec2clip_ratio,
                                 (start + length) / sec2clip_ratio])
        names.append(f'synth{i:05d}')
        labels.append(vid_labels)
        segments.append(vid_segments)
        features.append(feats)
    os.makedirs(out_dir, exist_ok=True)
    _save_npy(osp.join(out_dir, 'video_names.npy'), _object_array(names))
    _save_npy(osp.join(out_dir, 'labels.npy'), _object_array(labels))
    _save_npy(osp.join(out_dir, 'segments.npy'), _object_array(segments))
    _save_npy(osp.join(out_dir, 'sec2clip_ratios.npy'),
              np.full(len(names), sec2clip_ratio))
    with atomic_write(osp.join(out_dir, 'fine_to_coarse_mappings.json'),
                      'w') as f:
        json.dump({str(c): g for c, g in enumerate(f2c)}, f)
    if per_video_features:
        feature_path = osp.join(out_dir, 'features')
        os.makedirs(feature_path, exist_ok=True)
        for name, feats in zip(names, features):
            _save_npy(osp.join(feature_path, f'{name}.npy'), feats)
    else:
        feature_path = osp.join(out_dir, 'features.npy')
        _save_npy(feature_path, _object_array(features))
    return dict(ann_dir=out_dir, features=feature_path, num_train=num_train,
                num_test=num_test, feature_size=feature_size,
                max_clips=max_clips, fine_to_coarse=f2c)


def add_arguments(parser) -> None:
    parser.add_argument('--num-fine-classes', type=int, default=6)
    parser.add_argument('--num-coarse-classes', type=int, default=2)
    parser.add_argument('--num-train', type=int, default=48)
    parser.add_argument('--num-test', type=int, default=24)
    parser.add_argument('--feature-size', type=int, default=32)
    parser.add_argument('--per-video-features', action='store_true',
                        help='features/<video>.npy instead of features.npy')


def generate(args) -> None:
    info = make_haan_dataset(
        args.out, num_fine_classes=args.num_fine_classes,
        num_coarse_classes=args.num_coarse_classes, num_train=args.num_train,
        num_test=args.num_test, feature_size=args.feature_size,
        per_video_features=args.per_video_features, seed=args.seed)
    print(f"wrote {args.out} ({info['num_train']} train / {info['num_test']} "
          f"test videos, features {info['features']})")
