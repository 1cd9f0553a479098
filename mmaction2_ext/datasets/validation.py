"""Checks that turn malformed skeleton annotations into clear errors.

Every message names the annotation file, the sample and the field, so a bad
sample is found at dataset build instead of as a shape error deep in a model.
"""
from typing import Dict, Optional

import numpy as np

from ..utils import DataError, data_error
from .layouts import KEYPOINT_LAYOUTS



def sample_name(anno: Dict, index: int) -> str:
    if not isinstance(anno, dict):
        return f'#{index}'
    name = anno.get('frame_dir', anno.get('filename'))
    return f'#{index} ({name})' if name is not None else f'#{index}'


def _check_label(anno, path, sample, num_classes):
    if 'label' not in anno:
        raise data_error(path, 'missing key', sample, 'label')
    label = anno['label']
    if not isinstance(label, (int, np.integer)):
        return  # multi-label or one-hot: checked by the metric
    if label < 0 or (num_classes is not None and label >= num_classes):
        upper = f'< {num_classes}' if num_classes is not None else 'non-negative'
        raise data_error(path, f'label {label} out of range (must be {upper})',
                         sample, 'label')


def _check_numeric(value, path, sample, field):
    dtype = getattr(value, 'dtype', None)
    if dtype is None or dtype.kind not in 'biuf':
        kind = dtype if dtype is not None else type(value).__name__
        raise data_error(path, f'expected a numeric array, got {kind}',
                         sample, field)


def _check_finite(value, path, sample, field, nan_ok=False):
    bad = np.isinf(value) if nan_ok else ~np.isfinite(value)
    if bad.any():
        where = ', '.join(f'{axis} {i}' for axis, i in zip(
            ('person', 'frame', 'joint'), np.argwhere(bad)[0]))
        raise data_error(path, f'{int(bad.sum())} non-finite values '
                         f'(NaN/inf; first at {where})', sample, field)


def _check_layout(kp, path, sample, num_keypoints, keypoint_dim):
    joints, dim = kp.shape[2:]
    if num_keypoints is not None and joints != num_keypoints:
        raise data_error(path, f'{joints} keypoints per person, but the config '
                         f'layout has {num_keypoints}', sample, 'keypoint')
    if keypoint_dim is not None and dim != keypoint_dim:
        raise data_error(path, f'{dim}-D keypoints (shape {kp.shape}), but '
                         f'the config layout is {keypoint_dim}-D', sample,
                         'keypoint')


def _check_keypoints(anno, path, sample, layout, nan_ok):
    kp = anno['keypoint']
    if not isinstance(kp, np.ndarray) or kp.ndim != 4 or kp.shape[-1] not in (2, 3):
        shape = getattr(kp, 'shape', type(kp).__name__)
        raise data_error(path, f'expected an array (M, T, V, C=2|3), got '
                         f'{shape}', sample, 'keypoint')
    _check_numeric(kp, path, sample, 'keypoint')
    persons, frames = kp.shape[:2]
    if persons == 0 or frames == 0:
        raise data_error(path, f'no person in any frame (shape {kp.shape})',
                         sample, 'keypoint')
    _check_layout(kp, path, sample, *layout)
    _check_finite(kp, path, sample, 'keypoint', nan_ok)
    if not np.any(np.nan_to_num(kp)):
        raise data_error(path, 'all keypoints are zero or NaN (no person '
                         'detected)', sample, 'keypoint')
    total = anno.get('total_frames')
    if total is not None and total != frames:
        raise data_error(path, f'total_frames={total} but keypoint has '
                         f'{frames} frames', sample, 'total_frames')
    score = anno.get('keypoint_score')
    if score is None:
        return
    if np.shape(score) != kp.shape[:3]:
        raise data_error(path, f'shape {np.shape(score)} does not match '
                         f'keypoint (M, T, V) = {kp.shape[:3]}', sample,
                         'keypoint_score')
    _check_numeric(score, path, sample, 'keypoint_score')
    _check_finite(score, path, sample, 'keypoint_score')


def check_pose_annotation(anno: Dict, path: str, index: int,
                          num_keypoints: Optional[int] = None,
                          num_classes: Optional[int] = None,
                          keypoint_dim: Optional[int] = None,
                          nan_keypoints_ok: bool = False,
                          keypoint_files: bool = False) -> None:
    """Raise :class:`DataError` if one PYSKL annotation dict is malformed.

    Args:
        anno: one entry of ``annotations``; ``keypoint`` is (M, T, V, C).
        path: the annotation file, for the message.
        index: position of the entry, for the message.
        num_keypoints: V expected by the config's layout (None: not checked).
        num_classes: labels must lie in ``[0, num_classes)``.
        keypoint_dim: C expected by the layout, 2 or 3 (None: not checked).
        nan_keypoints_ok: the pipeline zeroes NaN keypoints (stock
            ``PoseCompact``/``MMCompact``), so only inf is an error.
            Non-finite scores are always errors.
        keypoint_files: the keypoints come from a per-sample file (stock
            ``data_prefix=dict(skeleton=...)``, Kinetics), so the entry may
            lack ``keypoint``.
    """
    sample = sample_name(anno, index)
    if not isinstance(anno, dict):
        raise data_error(path, f'expected a dict, got {type(anno).__name__}',
                         sample)
    if 'frame_dir' not in anno and 'filename' not in anno:
        raise data_error(path, 'missing key', sample, 'frame_dir')
    _check_label(anno, path, sample, num_classes)
    if 'keypoint' in anno:
        _check_keypoints(anno, path, sample, (num_keypoints, keypoint_dim),
                         nan_keypoints_ok)
    elif not keypoint_files:
        raise data_error(path, 'missing key', sample, 'keypoint')


__all__ = ['DataError', 'KEYPOINT_LAYOUTS', 'check_pose_annotation',
           'sample_name']
