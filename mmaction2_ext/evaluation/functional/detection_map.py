"""Temporal action detection mAP as the ActivityNet toolkit computes it
(the copy HAAN ships in ``eval_detection.py``), including its tie order."""
from typing import Dict, List, Mapping, Sequence

import numpy as np


def segment_iou(segment: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """tIoU of one ``[start, end]`` against ``candidates`` ``(N, 2)``.

    The intersection is clipped at 0; the union is not, so a negative-length
    ground truth (FineAction has some) gives tIoU <= 0 and never matches.
    """
    inter = (np.minimum(segment[1], candidates[:, 1]) -
             np.maximum(segment[0], candidates[:, 0])).clip(0)
    union = (candidates[:, 1] - candidates[:, 0]) + (segment[1] -
                                                     segment[0]) - inter
    return inter.astype(float) / union


def interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    """VOC-2011 interpolated AP: precision envelope summed over recall steps."""
    mprec = np.concatenate([[0.], precision, [0.]])
    mrec = np.concatenate([[0.], recall, [1.]])
    mprec = np.maximum.accumulate(mprec[::-1])[::-1]
    steps = np.where(mrec[1:] != mrec[:-1])[0] + 1
    return float(np.sum((mrec[steps] - mrec[steps - 1]) * mprec[steps]))


def class_average_precision(gts: Sequence[Mapping], preds: Sequence[Mapping],
                            tiou_thresholds: Sequence[float]) -> np.ndarray:
    """AP of one class at every threshold.

    Predictions are ranked with ``np.argsort(scores)[::-1]`` (numpy's default,
    unstable sort, reversed: upstream's tie order); each is matched greedily to
    the unmatched ground truth of its video with the highest tIoU >= threshold.
    No prediction gives AP 0; predictions without ground truth give NaN
    (0 / 0 recall), as upstream.
    """
    thresholds = np.asarray(tiou_thresholds, dtype=float)
    ap = np.zeros(len(thresholds))
    if len(preds) == 0:
        return ap
    by_video: Dict = {}
    for index, gt in enumerate(gts):
        by_video.setdefault(gt['video'], []).append(index)
    scores = np.array([p['score'] for p in preds], dtype=float)
    order = scores.argsort()[::-1]
    taken = -np.ones((len(thresholds), len(gts)), dtype=int)
    tp = np.zeros((len(thresholds), len(preds)))
    for rank, pred_index in enumerate(order):
        pred = preds[pred_index]
        gt_indices = by_video.get(pred['video'], [])
        if not gt_indices:
            continue
        tiou = segment_iou(
            np.array([pred['t_start'], pred['t_end']], dtype=float),
            np.array([[gts[i]['t_start'], gts[i]['t_end']]
                      for i in gt_indices], dtype=float))
        best_first = tiou.argsort()[::-1]
        for t, threshold in enumerate(thresholds):
            for j in best_first:
                if tiou[j] < threshold:
                    break
                if taken[t, gt_indices[j]] >= 0:
                    continue
                tp[t, rank] = 1
                taken[t, gt_indices[j]] = rank
                break
    tp_cum = np.cumsum(tp, axis=1)
    fp_cum = np.cumsum(1 - tp, axis=1)
    with np.errstate(divide='ignore', invalid='ignore'):
        recall = tp_cum / float(len(gts))
        precision = tp_cum / (tp_cum + fp_cum)
    for t in range(len(thresholds)):
        ap[t] = interpolated_ap(precision[t], recall[t])
    return ap


def detection_map(detections: Sequence[Mapping],
                  ground_truths: Sequence[Mapping],
                  tiou_thresholds: Sequence[float],
                  num_classes: int) -> Dict:
    """Per-class AP and mAP over all ``num_classes`` classes.

    Args:
        detections: dicts ``video, label, t_start, t_end, score``; within a
            class they are ranked by score, ties broken by upstream's order
            (see :func:`class_average_precision`), so pass them in the order
            they were produced (video, then time).
        ground_truths: dicts ``video, label, t_start, t_end``.
        tiou_thresholds: tIoU thresholds ``(K,)``.
        num_classes: C; every class counts in the mean, also ones without
            detections (AP 0).

    Returns:
        ``{'ap': (C, K) array, 'mAP': (K,) array, 'avg_mAP': float}`` as
        fractions (upstream reports them x100).
    """
    pred_by_class: List[List] = [[] for _ in range(num_classes)]
    gt_by_class: List[List] = [[] for _ in range(num_classes)]
    for name, items, buckets in (('detection', detections, pred_by_class),
                                 ('ground truth', ground_truths, gt_by_class)):
        for item in items:
            label = int(item['label'])
            if not 0 <= label < num_classes:
                raise ValueError(f'{name} {dict(item)} has label {label} '
                                 f'outside [0, {num_classes})')
            buckets[label].append(item)
    ap = np.stack([
        class_average_precision(gt_by_class[c], pred_by_class[c],
                                tiou_thresholds) for c in range(num_classes)
    ]) if num_classes else np.zeros((0, len(tiou_thresholds)))
    mean_ap = ap.mean(axis=0)
    return dict(ap=ap, mAP=mean_ap, avg_mAP=float(mean_ap.mean()))
