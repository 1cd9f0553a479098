"""HAAN's detections from clip-level class logits (spec 4, steps 1-5)."""
import math
from typing import List, Union

import numpy as np
import torch


def video_class_scores(clip_logits: np.ndarray,
                       kmax_mod_factor: float) -> np.ndarray:
    """``c_c``: mean of the top ``ceil(T / kmax_mod_factor)`` logits per class.

    Args:
        clip_logits: ``(T, C)`` raw logits S.
    Returns:
        ``(C,)`` video-level scores.
    """
    k = int(math.ceil(clip_logits.shape[0] / kmax_mod_factor))
    top = -np.sort(-clip_logits, axis=0)[:k]
    return top.mean(axis=0)


def haan_detections(clip_logits: Union[np.ndarray, torch.Tensor],
                    sec2clip_ratio: float, alpha: float,
                    kmax_mod_factor: float) -> List[dict]:
    """Detections of one video, ordered by class then start time.

    A class counts only if its video score ``c_c > 0``. Its clips with
    ``x > mean(x) + alpha * (max(x) - min(x))`` form runs ``[s, e)``; each run
    is a detection with score ``max(x[s:e]) + 0.5 * c_c`` and times
    ``s / sec2clip_ratio``, ``e / sec2clip_ratio`` seconds. No NMS.

    Args:
        clip_logits: ``(T, C)`` logits S (computed in their own dtype, float32
            from the model as upstream).
        sec2clip_ratio: clips per second.

    Returns:
        dicts ``video (None: the caller sets it), label, t_start, t_end,
        score``.
    """
    if isinstance(clip_logits, torch.Tensor):
        clip_logits = clip_logits.detach().cpu().numpy()
    scores = np.asarray(clip_logits)
    if scores.ndim != 2 or scores.shape[0] == 0:
        raise ValueError(f'clip_logits must be (T>0, C), got {scores.shape}')
    class_scores = video_class_scores(scores, kmax_mod_factor)
    # Absent classes are zeroed, as upstream: their mask ``0 > 0`` is empty.
    scores = scores * (class_scores > 0)
    detections = []
    for c in range(scores.shape[1]):
        x = scores[:, c]
        threshold = np.mean(x) + (np.max(x) - np.min(x)) * alpha
        mask = np.concatenate([[0], (x > threshold).astype(np.int8), [0]])
        edges = np.diff(mask)
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        for s, e in zip(starts, ends):
            detections.append(
                dict(video=None, label=c, t_start=s / sec2clip_ratio,
                     t_end=e / sec2clip_ratio,
                     score=float(np.max(x[s:e]) + 0.5 * class_scores[c])))
    return detections
