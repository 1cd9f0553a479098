"""Poses of other tools as PYSKL annotation dicts (docs/inference.md).

- OpenPose per-frame JSON (``people[].pose_keypoints_2d`` in BODY_25 or
  COCO-18, ``hand_left/right_keypoints_2d``) -> MA-52's 28 keypoints
  (OpenPose-18, then 5 left and 5 right fingertips), OpenPose-18 or COCO-17;
- mmpose's JSON predictions (per-frame ``instances`` with ``keypoints`` and
  ``keypoint_scores``) -> COCO-17.

Joints a tool did not find are ``(0, 0)`` with score 0, as in OpenPose.
"""
import glob
import json
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..utils import data_error
from .layouts import LAYOUTS

# OpenPose-18 (COCO-18) joint i is BODY_25 joint BODY25_TO_OPENPOSE18[i]
# (BODY_25 adds 8 mid-hip and 19-24 feet)
BODY25_TO_OPENPOSE18 = (0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16,
                        17, 18)
# COCO-17 joint i is OpenPose-18 joint OPENPOSE18_TO_COCO17[i]
OPENPOSE18_TO_COCO17 = (0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13,
                        10)
# thumb, index, middle, ring, little fingertips of OpenPose's 21-point hand
FINGERTIPS = (4, 8, 12, 16, 20)
BODY_FORMATS = {25: BODY25_TO_OPENPOSE18, 18: tuple(range(18))}
# joints per layout: MA-52 = OpenPose-18 + left hand tips (18-22, attached to
# the left wrist 7) + right hand tips (23-27, attached to the right wrist 4)
OPENPOSE_LAYOUTS = {name: LAYOUTS[name].num_joints
                    for name in ('ma52', 'openpose', 'coco')}
# mmpose layouts whose first 17 joints are COCO-17 (COCO, Halpe, WholeBody)
MMPOSE_JOINTS = (17, 26, 133)


def _triples(values, path: str, person: int, field: str,
             sizes: Sequence[int]) -> np.ndarray:
    """``(V, 3)`` (x, y, score) of a flat OpenPose list of V triples."""
    try:
        arr = np.asarray(values, dtype=np.float32).reshape(-1)
    except (TypeError, ValueError) as err:
        raise data_error(path, f'not a list of numbers ({err})',
                         f'person {person}', field) from err
    if arr.size // 3 not in sizes or arr.size % 3:
        raise data_error(path, f'{arr.size} values, expected '
                         f'{" or ".join(str(3 * s) for s in sizes)} '
                         '(x, y, score triples)', f'person {person}', field)
    return arr.reshape(-1, 3)


def _hand_tips(person: dict, side: str, path: str, index: int) -> np.ndarray:
    field = f'hand_{side}_keypoints_2d'
    values = person.get(field) or []
    if len(values) == 0:
        return np.zeros((len(FINGERTIPS), 3), np.float32)
    return _triples(values, path, index, field, (21, ))[list(FINGERTIPS)]


def openpose_person(person: dict, path: str, index: int,
                    layout: str = 'ma52') -> np.ndarray:
    """``(V, 3)`` joints of one OpenPose ``people`` entry in ``layout``."""
    if not isinstance(person, dict) or 'pose_keypoints_2d' not in person:
        raise data_error(path, 'missing key', f'person {index}',
                         'pose_keypoints_2d')
    body = _triples(person['pose_keypoints_2d'], path, index,
                    'pose_keypoints_2d', tuple(BODY_FORMATS))
    body = body[list(BODY_FORMATS[len(body)])]
    if layout == 'coco':
        return body[list(OPENPOSE18_TO_COCO17)]
    if layout == 'openpose':
        return body
    return np.concatenate([body, _hand_tips(person, 'left', path, index),
                           _hand_tips(person, 'right', path, index)])


def _frame_files(folder: str) -> List[str]:
    """The folder's ``*.json`` files in frame order (the last number in the
    name, as OpenPose's ``<video>_000000000012_keypoints.json``)."""
    def frame(path):
        numbers = re.findall(r'\d+', osp.basename(path))
        return (int(numbers[-1]) if numbers else -1, path)
    files = sorted(glob.glob(osp.join(folder, '*.json')), key=frame)
    if not files:
        raise data_error(folder, 'no OpenPose .json frame files')
    return files


def read_json(path: str):
    """The loaded JSON file; an unreadable one is a :class:`DataError`."""
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        raise data_error(path, f'cannot read the json ({err})') from err


def _stack(frames: List[List[np.ndarray]], num_joints: int, source: str,
           max_persons: Optional[int]) -> Dict:
    """PYSKL arrays from per-frame person lists; per frame the persons are
    ranked by mean joint score, the best ``max_persons`` kept."""
    most = max((len(p) for p in frames), default=0)
    if most == 0:
        raise data_error(source, 'no person found in any frame')
    num = min(most, max_persons or most)
    out = np.zeros((num, len(frames), num_joints, 3), np.float32)
    for t, persons in enumerate(frames):
        ranked = sorted(persons, key=lambda p: -float(p[:, 2].mean()))
        for m, joints in enumerate(ranked[:num]):
            out[m, t] = joints
    return dict(keypoint=out[..., :2], keypoint_score=out[..., 2],
                total_frames=len(frames))


def load_openpose(folder: str, layout: str = 'ma52',
                  max_persons: Optional[int] = None) -> Dict:
    """A PYSKL dict (``keypoint`` (M, T, V, 2) pixels, ``keypoint_score``,
    ``total_frames``, ``frame_dir`` the folder name) from a folder of
    OpenPose per-frame JSON files, in ``layout`` ('ma52', 'openpose',
    'coco')."""
    if layout not in OPENPOSE_LAYOUTS:
        raise ValueError(f'layout {layout!r} not in {list(OPENPOSE_LAYOUTS)}')
    frames = []
    for path in _frame_files(folder):
        data = read_json(path)
        if not isinstance(data, dict) or not isinstance(
                data.get('people'), list):
            raise data_error(path, 'expected an OpenPose frame: a dict with '
                             'a "people" list', field='people')
        frames.append([openpose_person(p, path, i, layout)
                       for i, p in enumerate(data['people'])])
    anno = _stack(frames, OPENPOSE_LAYOUTS[layout], folder, max_persons)
    anno['frame_dir'] = osp.basename(osp.normpath(folder))
    return anno


def is_mmpose(data) -> bool:
    """Whether a loaded JSON looks like mmpose's predictions."""
    if isinstance(data, dict):
        return 'instance_info' in data
    return bool(data) and isinstance(data, list) and isinstance(
        data[0], dict) and ('instances' in data[0] or 'keypoints' in data[0])


def _mmpose_frames(data) -> List[List[dict]]:
    if isinstance(data, dict):  # demo/topdown_demo_with_mmdet.py
        data = data['instance_info']
    if data and 'keypoints' in data[0]:  # one image: a list of instances
        return [data]
    return [frame.get('instances', []) for frame in data]


def _mmpose_instance(inst, path: str, t: int, index: int) -> np.ndarray:
    where = f'frame {t} instance {index}'
    try:
        xy = np.asarray(inst['keypoints'], np.float32)
        score = np.asarray(inst.get('keypoint_scores', np.ones(len(xy))),
                           np.float32)
    except (KeyError, TypeError, ValueError) as err:
        raise data_error(path, f'cannot read the keypoints ({err!r})', where,
                         'keypoints') from err
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) not in MMPOSE_JOINTS \
            or score.shape != xy.shape[:1]:
        raise data_error(path, f'keypoints of shape {xy.shape} (scores '
                         f'{score.shape}), expected (V, 2) 2D joints with V '
                         f'in {MMPOSE_JOINTS} (COCO first)', where,
                         'keypoints')
    return np.concatenate([xy[:17], score[:17, None]], axis=1)


def load_mmpose(path: str, data=None, max_persons: Optional[int] = None
                ) -> Dict:
    """A COCO-17 PYSKL dict from mmpose's JSON predictions: a list of frames
    ``{'frame_id', 'instances'}`` (Inferencer), ``{'instance_info': ...}``
    (the mmdet demo) or one image's instance list. ``data``: the loaded
    JSON, if already read."""
    data = read_json(path) if data is None else data
    if not is_mmpose(data):
        raise data_error(path, 'not an mmpose prediction file (expected '
                         'frames with "instances" of "keypoints")')
    frames = [[_mmpose_instance(inst, path, t, i)
               for i, inst in enumerate(instances)]
              for t, instances in enumerate(_mmpose_frames(data))]
    anno = _stack(frames, 17, path, max_persons)
    anno['frame_dir'] = osp.splitext(osp.basename(path))[0]
    return anno


__all__ = ['BODY25_TO_OPENPOSE18', 'OPENPOSE18_TO_COCO17', 'FINGERTIPS',
           'load_openpose', 'load_mmpose', 'is_mmpose', 'openpose_person',
           'read_json']
