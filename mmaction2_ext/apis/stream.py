"""Live recognition (``tools/infer.py --stream``): a video file played at its
frame rate, a camera or a network stream; poses frame by frame, the model on
a sliding window of the latest ``window`` frames every ``stride`` frames.

A reader thread takes frames off the source as they come (a file: at its
frame rate). When pose estimation and the model fall behind, frames that
waited longer than ``max_delay`` seconds are dropped (counted), the newest
always kept: the labels stay current instead of drifting further behind the
stream. Each prediction reports its lag, the time from the arrival of the
window's last frame to the label.
"""
import collections
import math
import threading
import time
from dataclasses import dataclass
from typing import Callable, Deque, Dict, Iterable, Iterator, Optional

import numpy as np
import torch.nn as nn
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmaction.apis import inference_recognizer
from ..utils import DataError
from .pose_extract import capture_frames
from .inference import _checked_annotation, inference_skeleton, \
    top_predictions

DEFAULT_FPS = 30.  # sources that report no frame rate (some cameras)
DECODERS = ('MMDecode', 'MMDecodeOnce')  # replaced by MMDecodeArray


@dataclass
class Frame:
    index: int  # position in the source (dropped frames leave gaps)
    arrived: float  # time.monotonic() when read off the source
    rgb: np.ndarray  # (H, W, 3) uint8


class FrameSource:
    """Frames from ``read`` (an iterable of RGB frames) on a reader thread.

    Args:
        fps: the source's frame rate.
        realtime: hand out frames no faster than ``fps`` (a file played as
            if live); False for sources that arrive in real time anyway.
        max_delay: frames that waited longer are dropped when a newer one
            is there (the queue also holds at most this many seconds of
            frames at ``fps``).
    """

    def __init__(self, read: Iterable[np.ndarray], fps: float,
                 realtime: bool = True, max_delay: float = 0.5):
        self.fps = fps
        self.dropped = 0
        self.read_frames = 0
        self._read, self._realtime = read, realtime
        self._max_delay = max_delay
        self._queue: Deque[Frame] = collections.deque(
            maxlen=max(1, math.ceil(max_delay * fps)))
        self._ready = threading.Condition()
        self._done = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        try:
            for index, rgb in enumerate(self._read):
                if self._stop.is_set():
                    return
                if self._realtime:
                    time.sleep(max(0., start + index / self.fps -
                                   time.monotonic()))
                with self._ready:
                    if len(self._queue) == self._queue.maxlen:
                        self.dropped += 1  # the append pushes the oldest out
                    self._queue.append(Frame(index, time.monotonic(), rgb))
                    self.read_frames += 1
                    self._ready.notify()
        finally:
            with self._ready:
                self._done = True
                self._ready.notify()

    def start(self) -> 'FrameSource':
        """Start reading (iterating starts it too)."""
        if not self._thread.is_alive() and not self._done:
            self._thread.start()
        return self

    def join(self) -> None:
        """Wait until the source is read to its end (or stopped)."""
        self._thread.join()

    def __iter__(self) -> Iterator[Frame]:
        self.start()
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._queue or self._done)
                if not self._queue:
                    return
                now = time.monotonic()
                while len(self._queue) > 1 and \
                        now - self._queue[0].arrived > self._max_delay:
                    self._queue.popleft()
                    self.dropped += 1
                frame = self._queue.popleft()
            yield frame

    def stop(self) -> None:
        """Stop reading (the thread ends after its current frame)."""
        self._stop.set()


def open_source(source: str, max_delay: float = 0.5) -> FrameSource:
    """A video file (played at its frame rate), a camera index (``'0'``) or
    a URL that OpenCV opens (rtsp://, http://)."""
    import cv2
    is_camera = source.isdigit()
    capture = cv2.VideoCapture(int(source) if is_camera else source)
    if not capture.isOpened():
        raise DataError(f'{source}: cannot be opened as a video file, '
                        'camera index or stream URL')
    fps = capture.get(cv2.CAP_PROP_FPS)
    fps = float(fps) if fps and math.isfinite(fps) and fps > 0 \
        else DEFAULT_FPS
    is_file = not is_camera and '://' not in source
    return FrameSource(capture_frames(capture), fps, realtime=is_file,
                       max_delay=max_delay)


def _array_pipeline(cfg) -> Compose:
    """The config's test pipeline reading frames from memory."""
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    return Compose([dict(step, type='MMDecodeArray')
                    if step['type'] in DECODERS else step
                    for step in cfg.test_pipeline])


def recorded_poses(anno: dict) -> Callable[[Frame], np.ndarray]:
    """Per-frame ``(V, 3)`` poses of the first person of a PYSKL annotation
    (a recorded video's pose file), looked up by frame index (zeros past
    its end)."""
    keypoint = np.asarray(anno['keypoint'], np.float32)[0]
    score = np.asarray(anno.get('keypoint_score', np.ones(
        keypoint.shape[:-1])), np.float32)[0]
    joints = np.concatenate([keypoint[..., :2], score[..., None]], -1)

    def pose(frame: Frame) -> np.ndarray:
        if frame.index < len(joints):
            return joints[frame.index]
        return np.zeros_like(joints[0])
    return pose


def _window_annotation(joints: np.ndarray, shape) -> dict:
    """``joints`` (T, V, 3) of one person as a PYSKL annotation dict."""
    return dict(keypoint=joints[None, ..., :2].copy(),
                keypoint_score=joints[None, ..., 2].copy(),
                img_shape=tuple(shape), original_shape=tuple(shape),
                total_frames=len(joints), frame_dir='stream')


def stream_predictions(model: nn.Module, source: FrameSource,
                       pose: Callable[[Frame], np.ndarray], window: int,
                       stride: Optional[int] = None, k: int = 5
                       ) -> Iterator[Dict]:
    """Top-``k`` predictions on the latest ``window`` frames, every
    ``stride`` frames (default ``window``) once the window is full.

    Args:
        pose: a frame's ``(V, 3)`` (x, y, score) keypoints in the config's
            layout (e.g. :class:`~.pose_extract.PoseTracker` on ``rgb``).

    Yields:
        dicts ``frame`` (index of the window's last frame), ``time``
        (its time in the stream, s), ``lag`` (s from its arrival to the
        label), ``dropped`` (frames dropped so far), ``person`` (False: no
        joint was found in the window, ``predictions`` is empty) and
        :func:`top_predictions`' keys.
    """
    stride = stride or window
    if window < 1 or stride < 1:
        raise DataError(f'window ({window}) and stride ({stride}) must be '
                        '>= 1 frames')
    rgbpose = model.input_kind == 'rgbpose'
    if model.input_kind not in ('rgbpose', 'skeleton'):
        raise DataError('--stream is for recognizers (skeleton or RGB + '
                        'pose), not HAAN')
    pipeline = _array_pipeline(model.cfg) if rgbpose else None
    recent: Deque = collections.deque(maxlen=window)
    since = 0
    for frame in source:
        recent.append((frame, np.asarray(pose(frame), np.float32)))
        since += 1
        if len(recent) < window or since < stride:
            continue
        since = 0
        joints = np.stack([j for _, j in recent])
        timing = dict(frame=frame.index, time=frame.index / source.fps,
                      dropped=source.dropped)
        if not (joints[..., 2] > 0).any():
            # nobody in view (yet): no label, and the stream goes on
            yield dict(timing, lag=time.monotonic() - frame.arrived,
                       person=False, predictions=[])
            continue
        anno = _window_annotation(joints, frame.rgb.shape[:2])
        if rgbpose:
            anno = _checked_annotation(model, anno, 'stream')
            result = inference_recognizer(
                model, dict(anno, array=[f.rgb for f, _ in recent]),
                pipeline)
        else:
            result = inference_skeleton(model, anno)
        yield dict(timing, lag=time.monotonic() - frame.arrived,
                   person=True, **top_predictions(model, result, k))


def stream_summary(results, source: FrameSource) -> Dict:
    """Frames read and dropped, lag median and maximum (s)."""
    lags = [r['lag'] for r in results]
    return dict(frames=source.read_frames, dropped=source.dropped,
                fps=source.fps, predictions=len(results),
                lag_median=float(np.median(lags)) if lags else None,
                lag_max=max(lags) if lags else None)


__all__ = ['Frame', 'FrameSource', 'open_source',
           'recorded_poses', 'stream_predictions', 'stream_summary']
