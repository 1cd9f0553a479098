"""HAAN's detections from clip-level class logits (spec 4, steps 1-5)."""
import itertools
import math
from typing import Dict, List, Sequence, Union

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


def _descending(detections: Sequence[dict]) -> np.ndarray:
    # numpy's default (unstable) sort of -score, as upstream: its tie order
    return np.argsort(-np.array([d['score'] for d in detections], dtype=float))


def haan_evaluation_order(detections: Sequence[dict]) -> List[dict]:
    """Detections in the order HAAN's evaluation hands each class to the AP.

    Upstream sorts each video's detections by score, splits them by class
    and sorts each class again over all videos; with tied scores these
    unstable sorts fix which detection the AP ranks first.

    Args:
        detections: dicts ``video, label, score, ...``, video by video (test
            order), each video's as :func:`haan_detections` produced them.

    Returns:
        the same dicts, class by class, each class in upstream's order.
    """
    by_class: Dict[int, List[dict]] = {}
    for _, group in itertools.groupby(detections, key=lambda d: d['video']):
        group = list(group)
        for i in _descending(group):
            by_class.setdefault(int(group[i]['label']), []).append(group[i])
    ordered = []
    for label in sorted(by_class):
        ordered += [by_class[label][i] for i in _descending(by_class[label])]
    return ordered
