"""iMiGUE (MiGA 2023 track 1) raw skeleton arrays -> PoseDataset pickles.

The challenge ships, per split S, ``{S}_data.npy`` of shape (N, C=3, T=90, V=22,
M=1) (x, y pixels in a 1920x1080 frame, confidence) and ``{S}_label.pkl`` =
``(sample_names, labels)``. PoseDataset wants ``{'split': {S: names},
'annotations': [dict(frame_dir, label, img_shape, original_shape,
total_frames, keypoint (M, T, V, 2), keypoint_score (M, T, V))]}``.
"""
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..utils import (atomic_pickle_dump, data_error, missing_file,
                     safe_load)
from .layouts import IMIGUE

IMG_SHAPE = (1080, 1920)
NUM_CLASSES = 32


def load_raw_split(data_path: str, label_path: str,
                   num_joints: int = IMIGUE['num_joints'],
                   num_classes: int = NUM_CLASSES
                   ) -> Tuple[np.ndarray, List[str], List[int]]:
    """Read and check one raw split; returns (data, names, labels)."""
    for path in (data_path, label_path):
        if not osp.isfile(path):
            raise missing_file('raw iMiGUE file', path)
    try:
        data = np.load(data_path, mmap_mode='r', allow_pickle=False)
    except (OSError, ValueError) as err:
        raise data_error(data_path, f'not a numpy array file ({err})')
    if data.ndim != 5 or data.shape[1] != 3 or data.shape[3] != num_joints:
        raise data_error(data_path, f'expected shape (N, 3, T, {num_joints}, M)'
                         f' (x, y, score), got {data.shape}')
    content = safe_load(label_path)
    try:
        names, labels = content
        names, labels = list(names), list(labels)
    except (TypeError, ValueError) as err:  # not a pair of sequences
        raise data_error(label_path, 'expected a pickled pair (sample_names, '
                         f'labels): {err}')
    if len(names) != len(labels) or len(names) != data.shape[0]:
        raise data_error(label_path, f'{len(names)} names and {len(labels)} '
                         f'labels for {data.shape[0]} samples in {data_path}')
    seen = set()
    for i, (name, label) in enumerate(zip(names, labels)):
        if not isinstance(name, str) or not name:
            raise data_error(label_path, 'sample name must be a non-empty '
                             'string', sample=i, field='sample_names')
        if name in seen:
            raise data_error(label_path, 'duplicate sample name', sample=name,
                             field='sample_names')
        seen.add(name)
        if isinstance(label, bool) or not isinstance(
                label, (int, np.integer)) or not 0 <= label < num_classes:
            raise data_error(label_path, f'label must be an int in [0, '
                             f'{num_classes}), got {label!r}', sample=name,
                             field='labels')
    return data, names, [int(x) for x in labels]


def to_annotation(array: np.ndarray, name: str, label: int,
                  source: str = '<array>') -> Dict:
    """One (C=3, T, V, M) raw sample -> a PoseDataset annotation dict."""
    array = np.asarray(array, dtype=np.float32)
    if not np.isfinite(array).all():
        raise data_error(source, 'NaN or inf in the skeleton', sample=name,
                         field='data')
    # (C, T, V, M) -> keypoint (M, T, V, 2), keypoint_score (M, T, V)
    keypoint = np.ascontiguousarray(array[:2].transpose(3, 1, 2, 0))
    score = np.ascontiguousarray(array[2].transpose(2, 0, 1))
    return dict(frame_dir=name, label=label, img_shape=IMG_SHAPE,
                original_shape=IMG_SHAPE, total_frames=array.shape[1],
                keypoint=keypoint, keypoint_score=score)


def convert_split(data_path: str, label_path: str,
                  progress: Optional[Callable[[int, int], None]] = None
                  ) -> List[Dict]:
    """All annotations of one raw split, in file order."""
    data, names, labels = load_raw_split(data_path, label_path)
    annotations = []
    for i, (name, label) in enumerate(zip(names, labels)):
        annotations.append(to_annotation(data[i], name, label, data_path))
        if progress is not None:
            progress(i + 1, len(names))
    return annotations


def stratified_split(labels: Sequence[int], val_ratio: float,
                     seed: int = 0) -> Tuple[List[int], List[int]]:
    """Deterministic per-class hold-out: (train indices, val indices), sorted.

    Each class with n >= 2 samples gives max(1, round(val_ratio * n)) samples
    (at most n - 1) to val, drawn with ``numpy.random.default_rng(seed)``.
    """
    if not 0 < val_ratio < 1:
        raise ValueError(f'val_ratio must be in (0, 1), got {val_ratio}')
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    val = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if len(members) < 2:
            continue
        k = min(len(members) - 1, max(1, round(val_ratio * len(members))))
        val.extend(rng.permutation(members)[:k].tolist())
    val_set = set(val)
    train = [i for i in range(len(labels)) if i not in val_set]
    return train, sorted(val)


def pose_pickle(annotations: List[Dict], split: str) -> Dict:
    """The PoseDataset dict holding ``annotations`` under one split name."""
    return dict(split={split: [a['frame_dir'] for a in annotations]},
                annotations=annotations)


def convert_imigue(raw_dir: str, out_dir: str,
                   splits: Sequence[str] = ('train', 'test'),
                   val_ratio: Optional[float] = None, seed: int = 0,
                   progress: Optional[Callable[[str, int, int], None]] = None
                   ) -> Dict[str, str]:
    """Write ``out_dir/imigue_{split}.pkl`` for each raw split in ``raw_dir``.

    With ``val_ratio``, a stratified share of ``train`` becomes
    ``imigue_val.pkl`` (split 'val') and the rest ``imigue_train.pkl``.
    Returns ``{split: written path}``.
    """
    written = {}
    for split in splits:
        annotations = convert_split(
            osp.join(raw_dir, f'{split}_data.npy'),
            osp.join(raw_dir, f'{split}_label.pkl'),
            None if progress is None else
            lambda done, total, s=split: progress(s, done, total))
        parts = {split: annotations}
        if split == 'train' and val_ratio:
            train_idx, val_idx = stratified_split(
                [a['label'] for a in annotations], val_ratio, seed)
            parts = {'train': [annotations[i] for i in train_idx],
                     'val': [annotations[i] for i in val_idx]}
        for name, annos in parts.items():
            path = osp.join(out_dir, f'imigue_{name}.pkl')
            atomic_pickle_dump(pose_pickle(annos, name), path)
            written[name] = path
    return written
