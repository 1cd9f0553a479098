"""MA-52 (Micro-Action-52) RGB + 28-keypoint pose dataset.

Reads the official pose pickles ``MA52_{train,val,test}.pkl``: a plain list
of per-video dicts with ``frame_dir`` (video id without ``.mp4``) or
``filename``, ``label`` (0-51), ``total_frames``, ``img_shape``,
``original_shape`` and ``keypoint`` (M, T, 28, 2) in pixels (optionally
``keypoint_score`` (M, T, 28)). Videos are ``data_prefix['video']/<id>.mp4``.
Every sample also gets its ``body_label`` (0-6). Given a ``list_file``
(``*_list_videos.txt``), the pickle must hold exactly its videos in its
order (the test submission pairs predictions with that list by index).
"""
import os.path as osp
from typing import Dict, List, Optional

import mmengine
import numpy as np
from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS

from ..utils import data_error
from .ma52_labels import MA52_NUM_ACTIONS, action_to_body

NUM_KEYPOINTS = 28


def read_video_list(path: str) -> List[str]:
    """Video file names (first column) of a ``*_list_videos.txt``."""
    names = []
    with open(path) as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2 or not parts[1].isdigit():
                raise data_error(path, f'line {line_no}: expected '
                                 f'"<video file> <label>", got {line.strip()!r}')
            names.append(parts[0])
    return names


def video_name(item: Dict) -> str:
    """``<id>.mp4`` of a pickle entry (what the list files hold)."""
    if 'filename' in item:
        return osp.basename(item['filename'])
    return osp.basename(item['frame_dir']) + '.mp4'


def check_entry(path: str, index: int, item: Dict,
                num_keypoints: int = NUM_KEYPOINTS) -> None:
    """Raise a :class:`DataError` naming the field that breaks the format."""
    sample = item.get('frame_dir', item.get('filename', index))
    if not isinstance(item, dict):
        raise data_error(path, 'entry is not a dict', sample=index)
    if 'frame_dir' not in item and 'filename' not in item:
        raise data_error(path, 'missing video id', sample=index,
                         field='frame_dir')
    for key in ('label', 'total_frames', 'img_shape', 'keypoint'):
        if key not in item:
            raise data_error(path, 'missing', sample=sample, field=key)
    label = item['label']
    if not isinstance(label, (int, np.integer)) or not 0 <= label < MA52_NUM_ACTIONS:
        raise data_error(path, f'{label!r} is not an action id in '
                         f'[0, {MA52_NUM_ACTIONS})', sample=sample, field='label')
    kp = np.asarray(item['keypoint'])
    if kp.ndim != 4 or kp.shape[2:] != (num_keypoints, 2):
        raise data_error(path, f'shape {kp.shape}, expected (M, T, '
                         f'{num_keypoints}, 2)', sample=sample, field='keypoint')
    if kp.shape[1] != item['total_frames']:
        raise data_error(path, f'{kp.shape[1]} frames but total_frames is '
                         f'{item["total_frames"]}', sample=sample, field='keypoint')
    score = item.get('keypoint_score')
    if score is not None and np.shape(score) != kp.shape[:3]:
        raise data_error(path, f'shape {np.shape(score)}, expected '
                         f'{kp.shape[:3]}', sample=sample, field='keypoint_score')


@DATASETS.register_module()
class MA52Dataset(PoseDataset):
    """MA-52 videos + pose (stock ``PoseDataset`` semantics, validated).

    Args:
        ann_file: the official pose pickle.
        list_file: optional ``*_list_videos.txt`` the pickle must match.
        num_keypoints: keypoints per person (28 for the official pickles).
    """

    def __init__(self, ann_file: str, pipeline: List,
                 list_file: Optional[str] = None,
                 num_keypoints: int = NUM_KEYPOINTS, **kwargs) -> None:
        self.list_file = list_file
        self.num_keypoints = num_keypoints
        super().__init__(ann_file, pipeline, **kwargs)

    def load_data_list(self) -> List[Dict]:
        if not osp.isfile(self.ann_file):
            raise data_error(self.ann_file, 'annotation file not found')
        raw = mmengine.load(self.ann_file)
        if isinstance(raw, dict) and self.split is None:
            raise data_error(self.ann_file, 'holds a split dict; set split= '
                             'or use the official plain-list pickle')
        if isinstance(raw, dict):
            keep = set(raw['split'][self.split])
            raw = [x for x in raw['annotations']
                   if x.get('frame_dir', x.get('filename')) in keep]
        for index, item in enumerate(raw):
            check_entry(self.ann_file, index, item, self.num_keypoints)
        data_list = raw
        prefix = self.data_prefix.get('video')
        for item in data_list:
            if prefix:  # as stock PoseDataset: video path = prefix + id
                for key in ('filename', 'frame_dir'):
                    if key in item:
                        item[key] = osp.join(prefix, item[key])
        if self.list_file is not None:
            self._check_order(data_list)
        for item in data_list:
            item['body_label'] = int(action_to_body([item['label']])[0])
        return data_list

    def _check_order(self, data_list: List[Dict]) -> None:
        expected = read_video_list(self.list_file)
        got = [video_name(item) for item in data_list]
        if len(got) != len(expected):
            raise data_error(self.ann_file, f'{len(got)} videos, but '
                             f'{self.list_file} lists {len(expected)}')
        for index, (a, b) in enumerate(zip(got, expected)):
            if a != b:
                raise data_error(self.ann_file, f'video {a!r} at position '
                                 f'{index}, {self.list_file} has {b!r}',
                                 sample=index, field='frame_dir')
