"""MA-52 benchmark metrics (pcan.md 5) on numpy arrays.

Action / body top-k accuracy and sklearn-style F1 on top-1 predictions;
F1_mean = (body F1_macro + body F1_micro + action F1_macro + action F1_micro) / 4.
"""
from typing import Dict, Sequence

import numpy as np
import torch

from ...datasets.ma52_labels import MA52_ACTION_TO_BODY

SUBMITTED_K = 5  # action_pred_1..5 and body_pred_1..5 of prediction.csv


def topk_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """(N, k) class indices of (N, C) scores in descending score order.

    Tied scores come in ``torch.topk``'s order, row by row, as the official
    ``eval_test.py`` writes them (its CPU kernel selects with
    ``nth_element``: ties are not ordered by index, and ``k`` changes it).
    """
    rows = torch.from_numpy(np.ascontiguousarray(scores))
    return np.stack([row.topk(k).indices.numpy() for row in rows]) \
        if len(rows) else np.zeros((0, k), dtype=np.int64)


def f1_macro_micro(pred: np.ndarray, labels: np.ndarray) -> tuple:
    """(macro, micro) F1 over the classes present in labels or predictions,
    zero where precision and recall are both 0 (sklearn's defaults)."""
    classes = np.union1d(pred, labels)
    f1 = []
    for c in classes:
        tp = np.sum((pred == c) & (labels == c))
        denom = np.sum(pred == c) + np.sum(labels == c)
        f1.append(2 * tp / denom if denom else 0.)
    micro = float(np.mean(pred == labels))  # single-label: micro F1 = accuracy
    return float(np.mean(f1)), micro


def ma52_metrics_from_topk(action_topk: np.ndarray, body_top1: np.ndarray,
                          labels: np.ndarray,
                          action_to_body: Sequence[int] = MA52_ACTION_TO_BODY
                          ) -> Dict[str, float]:
    """Official MA-52 metrics (fractions) from predicted indices: action
    (N, k>=5) in descending order, body (N,) top-1, action labels (N,)."""
    labels = np.asarray(labels, dtype=np.int64)
    action_topk = np.asarray(action_topk, dtype=np.int64)
    bodies = np.asarray(action_to_body)[labels]
    body_top1 = np.asarray(body_top1, dtype=np.int64)
    a_macro, a_micro = f1_macro_micro(action_topk[:, 0], labels)
    b_macro, b_micro = f1_macro_micro(body_top1, bodies)
    return {
        'action_top1': float(np.mean(action_topk[:, 0] == labels)),
        'action_top5': float(np.mean((action_topk[:, :5] == labels[:, None]).any(1))),
        'body_top1': float(np.mean(body_top1 == bodies)),
        'action_F1_macro': a_macro,
        'action_F1_micro': a_micro,
        'body_F1_macro': b_macro,
        'body_F1_micro': b_micro,
        'F1_mean': (a_macro + a_micro + b_macro + b_micro) / 4,
    }


def ma52_metrics(action_scores: np.ndarray, body_scores: np.ndarray,
                 labels: np.ndarray,
                 action_to_body: Sequence[int] = MA52_ACTION_TO_BODY
                 ) -> Dict[str, float]:
    """Official MA-52 metrics from (N, 52) action and (N, 7) body scores,
    through the top-5 indices the submission csv holds (the body top-1 is
    its first column: with ties, ``topk(1)`` may pick another class)."""
    return ma52_metrics_from_topk(topk_indices(action_scores, SUBMITTED_K),
                                  topk_indices(body_scores, SUBMITTED_K)[:, 0],
                                  labels, action_to_body)
