"""Sliding-window inference over a long input: a per-window label timeline.

Each window is the input cut to frames ``[start_frame, end_frame)`` and run
through the config's test pipeline as one sample (the same scores as a call
on that slice). Windows of ``window`` frames start every ``stride`` frames;
when the last one stops short of the end, one more window is aligned to the
last frame, so every frame is covered and every window is full length (an
input shorter than ``window`` gives one window of all its frames).
"""
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch.nn as nn
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmaction.apis import inference_recognizer
from ..utils import DataError
from .inference import (Skeleton, rgbpose_annotation, skeleton_annotation,
                        top_predictions)

SAMPLERS = ('MMUniformSampleFrames', )  # pick RGB_inds within the window
PER_FRAME = ('keypoint', 'keypoint_score')


def window_bounds(total: int, window: int,
                  stride: Optional[int] = None) -> List[Tuple[int, int]]:
    """``(start, end)`` frames of the windows (see the module docstring);
    ``stride`` defaults to ``window``."""
    stride = window if stride is None else stride  # 0 is an error
    if window < 1 or stride < 1:
        raise DataError(f'window ({window}) and stride ({stride}) must be '
                        '>= 1 frames')
    if total <= window:
        return [(0, total)]
    bounds = [(s, s + window) for s in range(0, total - window + 1, stride)]
    if bounds[-1][1] < total:
        bounds.append((total - window, total))
    return bounds


def slice_annotation(anno: Dict, start: int, end: int) -> Dict:
    """The annotation dict cut to frames ``[start, end)``."""
    cut = {k: v[:, start:end].copy() if k in PER_FRAME else v
           for k, v in anno.items()}
    cut['total_frames'] = end - start
    return cut


def _shift_rgb(results: Dict, start: int) -> Dict:
    """Move the sampled video frames into the window (poses are cut)."""
    results['RGB_inds'] = results['RGB_inds'] + start
    return results


def _window_pipeline(cfg, start: int) -> Compose:
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    steps = []
    for step in cfg.test_pipeline:
        steps.append(step)
        if step['type'] in SAMPLERS:
            steps.append(partial(_shift_rgb, start=start))
    return Compose(steps)


def _video_fps(video: str) -> Optional[float]:
    import decord
    fps = decord.VideoReader(video, num_threads=1).get_avg_fps()
    return float(fps) if fps > 0 else None


def inference_windows(model: nn.Module, source: Skeleton, window: int,
                      stride: Optional[int] = None,
                      pose: Optional[Skeleton] = None,
                      sample: Optional[str] = None,
                      img_shape: Optional[Sequence[int]] = None,
                      fps: Optional[float] = None, k: int = 5
                      ) -> List[Dict]:
    """Top-``k`` predictions per window of a long input.

    Args:
        source: a skeleton (as :func:`inference_skeleton`), or for RGB + pose
            models the video, with ``pose`` its poses.
        fps: frames per second, for ``start`` / ``end`` in seconds (default:
            the video's; None for skeletons: times stay None).
        img_shape: frame size of 2D keypoints; default the sample's, else
            the extent of all the input's keypoints (not each window's).

    Returns:
        dicts ``start_frame``, ``end_frame`` (exclusive), ``start``, ``end``
        (seconds or None) and :func:`top_predictions`' keys.
    """
    if model.input_kind == 'rgbpose':
        anno = rgbpose_annotation(model, source, pose, sample)
        fps = fps or _video_fps(str(source))
    else:
        anno = skeleton_annotation(model, source, sample, img_shape)
    timeline = []
    for start, end in window_bounds(anno['keypoint'].shape[1], window,
                                    stride):
        pipeline = _window_pipeline(model.cfg, start) \
            if model.input_kind == 'rgbpose' else None
        result = inference_recognizer(
            model, slice_annotation(anno, start, end), pipeline)
        timeline.append(dict(
            start_frame=start, end_frame=end,
            start=start / fps if fps else None,
            end=end / fps if fps else None,
            **top_predictions(model, result, k)))
    return timeline


def timeline_segments(timeline: Sequence[Dict]) -> List[Dict]:
    """The best class of each window as ``label``/``start``/``end``/
    ``score`` rows (seconds when known, else frames) for a timeline
    plot."""
    def seconds(w):
        return w['start'] is not None
    return [dict(label=w['predictions'][0]['label'],
                 score=w['predictions'][0]['score'],
                 start=w['start'] if seconds(w) else w['start_frame'],
                 end=w['end'] if seconds(w) else w['end_frame'])
            for w in timeline]


__all__ = ['inference_windows', 'window_bounds', 'slice_annotation',
           'timeline_segments']
