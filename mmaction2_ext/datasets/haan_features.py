"""FineGym / FineAction clip-feature datasets in HAAN's on-disk format.

``ann_dir`` holds ``video_names.npy``, ``labels.npy`` (per video a list of
``[coarse, fine]`` pairs), ``segments.npy`` (``[start, end]`` seconds),
``sec2clip_ratios.npy`` and ``fine_to_coarse_mappings.json``; rows are
index-aligned, the first ``num_training_videos`` are the training split.
Features are either the official single ``.npy`` (``features[i]`` is
``(T_i, D)``, object or dense array) or a folder of ``<video_name>.npy``.
"""
import json
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import BaseDataset

from mmengine.registry import FUNCTIONS

from mmaction.registry import DATASETS
from ..utils import DataError, data_error, safe_np_load
from .invalid import report_skipped

ANNOTATION_FILES = ('video_names', 'labels', 'segments', 'sec2clip_ratios')
STACKED_FIELDS = ('fine_labels', 'coarse_labels', 'fine_weights',
                  'coarse_weights')
PLURAL_FIELDS = dict(video_name='video_names', index='indices', row='rows',
                     sec2clip_ratio='sec2clip_ratios', sample_idx='sample_idxs')


def read_split_events(split_file: str) -> List[str]:
    """Event ids (``{ytid}_E_{start}_{end}``) of an element split file such as
    ``gym99_val_element_new.txt``, in first-seen order."""
    events = {}
    with open(split_file) as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            element = line.split()[0]
            if '_A_' not in element:
                raise data_error(split_file, 'expected "<event>_A_<s>_<e> '
                                 f'<label>", got {line.strip()!r}',
                                 sample=line_no)
            events.setdefault(element.split('_A_')[0], None)
    return list(events)


def multi_hot(ids, num_classes: int) -> np.ndarray:
    y = np.zeros(num_classes, dtype=np.float32)
    y[np.asarray(ids, dtype=np.int64)] = 1
    return y


def class_weights(labels: np.ndarray, path: str, level: str) -> tuple:
    """Spec 2.4: ``(pos_weight, neg_weight)`` with ``C / pos_c``, ``C / neg_c``
    over the ``(N, C)`` multi-hot training labels."""
    num, num_classes = labels.shape
    pos = labels.sum(0)
    neg = num - pos
    for name, counts in (('in no', pos), ('in every', neg)):
        if (counts == 0).any():
            c = int(np.flatnonzero(counts == 0)[0])
            raise data_error(path, f'{level} class {c} occurs {name} training '
                             'video: its BCE weight would be infinite',
                             field='labels')
    return num_classes / pos, num_classes / neg


@DATASETS.register_module()
class HAANFeatureDataset(BaseDataset):
    """Args:
        ann_dir: folder with the annotation files above.
        features: the official features ``.npy`` or a per-video folder.
        split: 'train' or 'test'.
        num_training_videos: size of the training split (first rows).
        feature_size: D, checked on every video.
        max_clips_per_video: longer training videos are an error (upstream
            pads to it); None disables the check.
        split_file: optional FineGym-new-split file; the videos whose event
            appears in it form the split instead of the row ranges.
        skip_invalid: check every video's annotations and features at build
            and log and drop the bad ones (listed in
            ``invalid_samples_haan_<split>.txt`` in the run's log dir)
            instead of raising.
        invalid_list_dir: where that list goes outside a Runner (default:
            the system temp dir).
    """

    def __init__(self, ann_dir: str, features: str, split: str = 'train',
                 num_training_videos: int = 3775, feature_size: int = 2048,
                 max_clips_per_video: Optional[int] = None,
                 split_file: Optional[str] = None, skip_invalid: bool = False,
                 invalid_list_dir: Optional[str] = None, **kwargs):
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        self.ann_dir, self.features_path = ann_dir, features
        self.split, self.num_training_videos = split, num_training_videos
        self.feature_size, self.max_clips = feature_size, max_clips_per_video
        self.split_file, self.skip_invalid = split_file, skip_invalid
        self.invalid_list_dir = invalid_list_dir
        self._feature_array = None
        kwargs.setdefault('test_mode', split == 'test')
        kwargs.setdefault('pipeline', [])
        # the file the labels come from, for messages about them
        super().__init__(ann_file=osp.join(ann_dir, 'labels.npy'), **kwargs)

    def _load(self, name: str) -> np.ndarray:
        return safe_np_load(osp.join(self.ann_dir, f'{name}.npy'))

    def _split_rows(self, names: Sequence[str]) -> np.ndarray:
        if self.split_file is None:
            rows = np.arange(len(names))
            train = rows < self.num_training_videos
            return rows[train] if self.split == 'train' else rows[~train]
        index = {str(n): i for i, n in enumerate(names)}
        events = read_split_events(self.split_file)
        missing = [e for e in events if e not in index]
        if missing:
            raise data_error(self.split_file, f'{len(missing)} events are not '
                             'in video_names.npy', sample=missing[0])
        return np.array([index[e] for e in events], dtype=np.int64)

    def load_data_list(self) -> List[dict]:
        arrays = {name: self._load(name) for name in ANNOTATION_FILES}
        names = arrays['video_names']
        for name, arr in arrays.items():
            if len(arr) != len(names):
                raise data_error(osp.join(self.ann_dir, f'{name}.npy'),
                                 f'{len(arr)} rows, video_names.npy has '
                                 f'{len(names)}')
        f2c_path = osp.join(self.ann_dir, 'fine_to_coarse_mappings.json')
        with open(f2c_path) as f:
            f2c = {int(k): int(v) for k, v in json.load(f).items()}
        num_fine, num_coarse = len(f2c), max(f2c.values()) + 1
        data_list, skipped = [], []
        for row in self._split_rows(names):
            try:
                item = self._video_entry(arrays, int(row), f2c,
                                         (num_fine, num_coarse))
                if self.skip_invalid:  # features too: none fails later
                    self.load_features(item)
            except DataError as err:
                if not self.skip_invalid:
                    raise
                skipped.append(f'{names[row]}\t{err}')
                continue
            data_list.append(dict(item, index=len(data_list)))
        if skipped:
            report_skipped(self.ann_dir, f'haan_{self.split}', skipped,
                           directory=self.invalid_list_dir)
        labels_path = osp.join(self.ann_dir, 'labels.npy')
        if self.split == 'train' and data_list:
            for level in ('fine', 'coarse'):
                y = np.stack([d[f'{level}_labels'] for d in data_list])
                pos, neg = class_weights(y, labels_path, level)
                for d, yi in zip(data_list, y):
                    d[f'{level}_weights'] = np.where(
                        yi > 0, pos, neg).astype(np.float32)
        self.num_fine_classes, self.num_coarse_classes = num_fine, num_coarse
        return data_list

    def _video_entry(self, arrays: dict, row: int, f2c: dict,
                     num_classes: Tuple[int, int]) -> dict:
        """One video's checked annotations (a DataError names what is bad)."""
        labels_path = osp.join(self.ann_dir, 'labels.npy')
        pairs = np.asarray(arrays['labels'][row], dtype=np.int64)
        segments = np.asarray(arrays['segments'][row], dtype=np.float64)
        name = str(arrays['video_names'][row])
        if pairs.ndim != 2 or pairs.shape[1] != 2 or len(pairs) == 0:
            raise data_error(labels_path, 'expected a non-empty list of '
                             '[coarse, fine] pairs', sample=name,
                             field='labels')
        bad = [(c, f) for c, f in pairs if f2c.get(int(f)) != c]
        if bad:
            raise data_error(labels_path, f'pair {list(bad[0])} disagrees '
                             'with fine_to_coarse_mappings.json',
                             sample=name, field='labels')
        if segments.shape != (len(pairs), 2):
            raise data_error(osp.join(self.ann_dir, 'segments.npy'),
                             f'shape {segments.shape}, expected '
                             f'({len(pairs)}, 2)', sample=name,
                             field='segments')
        num_fine, num_coarse = num_classes
        return dict(video_name=name, row=row,
                    fine_labels=multi_hot(pairs[:, 1], num_fine),
                    coarse_labels=multi_hot(pairs[:, 0], num_coarse),
                    gt_labels=pairs[:, 1], gt_segments=segments,
                    sec2clip_ratio=float(arrays['sec2clip_ratios'][row]))

    def load_features(self, info: dict) -> np.ndarray:
        """``(T, D)`` features of one video, checked."""
        name = info['video_name']
        if osp.isdir(self.features_path):
            path = osp.join(self.features_path, f'{name}.npy')
            if not osp.isfile(path):
                raise data_error(path, 'feature file not found', sample=name,
                                 field='features')
            feats = safe_np_load(path, mmap_mode='r')  # header only until used
        else:
            path = self.features_path
            if self._feature_array is None:
                if not osp.isfile(path):
                    raise data_error(path, 'feature file not found',
                                     field='features')
                # memory-mapped when dense, whole when an object array
                self._feature_array = safe_np_load(path, mmap_mode='r')
            if info['row'] >= len(self._feature_array):
                raise data_error(path, f'{len(self._feature_array)} videos, '
                                 'fewer than the annotations', sample=name,
                                 field='features')
            feats = np.asarray(self._feature_array[info['row']])
        if feats.ndim != 2 or feats.shape[1] != self.feature_size \
                or feats.shape[0] == 0:
            raise data_error(path, f'shape {feats.shape}, expected (T>0, '
                             f'{self.feature_size})', sample=name,
                             field='features')
        if self.split == 'train' and self.max_clips and \
                feats.shape[0] > self.max_clips:
            raise data_error(path, f'{feats.shape[0]} clips, more than '
                             f'max_clips_per_video={self.max_clips}',
                             sample=name, field='features')
        return feats

    def prepare_data(self, idx: int) -> dict:
        info = dict(self.get_data_info(idx))
        # a copy: memory-mapped features are read-only
        info['inputs'] = torch.from_numpy(
            np.array(self.load_features(info), dtype=np.float32))
        return self.pipeline(info)


# mmengine's Runner looks collate functions up in the root registry only
@FUNCTIONS.register_module()
def haan_collate(samples: Sequence[dict]) -> dict:
    """Zero-pad ``(T_i, D)`` features to ``(B, max T_i, D)``; every other field
    goes to ``data_samples`` (label vectors stacked, the rest as lists)."""
    seq_lens = torch.tensor([s['inputs'].shape[0] for s in samples])
    inputs = samples[0]['inputs'].new_zeros(len(samples), int(seq_lens.max()),
                                            samples[0]['inputs'].shape[1])
    for i, s in enumerate(samples):
        inputs[i, :len(s['inputs'])] = s['inputs']
    fields = dict(seq_lens=seq_lens)
    for key in samples[0]:
        if key == 'inputs':
            continue
        values = [s[key] for s in samples]
        if key in STACKED_FIELDS:
            fields[key] = torch.from_numpy(np.stack(values))
        else:
            fields[PLURAL_FIELDS.get(key, key)] = values
    return dict(inputs=inputs, data_samples=fields)
