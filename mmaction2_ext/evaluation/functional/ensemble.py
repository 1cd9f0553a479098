"""Score-level fusion of several test dumps (multi-stream ensembles).

A dump is what ``tools/test.py --dump`` writes (a list of dicts with
``pred_score`` and ``gt_label``) or an upstream PYSKL/ProtoGCN
``*_pred.pkl`` (a list of per-sample score vectors, no labels).
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmaction.evaluation.functional import (mean_class_accuracy,
                                            top_k_accuracy)

from ...utils import atomic_pickle_dump, data_error
from .dump import read_dump, split_score, to_numpy

# upstream tools/ensemble.py weights, streams in this order
PRESETS: Dict[str, Tuple[List[str], List[float]]] = {
    '2': (['j', 'b'], [1, 1]),
    '4': (['j', 'b', 'jm', 'bm'], [2, 2, 1, 1]),
    '6': (['j', 'b', 'k', 'jm', 'bm', 'km'], [2, 2, 2, 1, 1, 1]),
}


def load_dump(path: str) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read a dump -> ``(scores (N, K), labels (N,) int64 or None)``; the
    scores keep the dump's float dtype.

    PCAN dumps give the mean of their action scores (see ``split_score``).
    """
    scores, labels = [], []
    for i, rec in enumerate(read_dump(path)):
        if isinstance(rec, dict):
            if 'pred_score' not in rec:
                raise data_error(path, 'missing', sample=i, field='pred_score')
            score = split_score(rec['pred_score'])[0]
            if 'gt_label' in rec:
                labels.append(int(to_numpy(rec['gt_label']).reshape(-1)[0]))
        else:
            score = to_numpy(rec)
        if score.ndim != 1:
            raise data_error(path, f'scores must be 1-D, got shape '
                             f'{score.shape}', sample=i, field='pred_score')
        scores.append(score)
    widths = {s.shape[0] for s in scores}
    if len(widths) != 1:
        raise data_error(path, f'samples have different class counts '
                         f'{sorted(widths)}', field='pred_score')
    if labels and len(labels) != len(scores):
        raise data_error(path, 'only some samples carry a label',
                         field='gt_label')
    return np.stack(scores), (np.array(labels, np.int64) if labels else None)


def check_same_labels(labels: Sequence[Optional[np.ndarray]],
                      paths: Sequence[str]) -> Optional[np.ndarray]:
    """The common labels of several dumps; error naming the first mismatch."""
    known = [(p, l) for p, l in zip(paths, labels) if l is not None]
    if not known:
        return None
    ref_path, ref = known[0]
    for path, lab in known[1:]:
        if lab.shape != ref.shape:
            raise data_error(path, f'{len(lab)} samples, but {ref_path} has '
                             f'{len(ref)}')
        bad = np.flatnonzero(lab != ref)
        if bad.size:
            raise data_error(path, f'label {lab[bad[0]]} differs from '
                             f'{ref[bad[0]]} in {ref_path} ({bad.size} '
                             'samples differ; dumps must come from the same '
                             'split in the same order)', sample=int(bad[0]),
                             field='gt_label')
    return ref


def fuse_scores(scores: Sequence[np.ndarray],
                weights: Optional[Sequence[float]] = None,
                names: Optional[Sequence[str]] = None) -> np.ndarray:
    """Weighted sum ``sum_i w_i * scores_i`` of (N, K) arrays (weights 1),
    in the scores' own float dtype as upstream's ensembles add them."""
    if not scores:
        raise ValueError('fuse_scores needs at least one score array')
    names = list(names or [f'input {i}' for i in range(len(scores))])
    weights = [1.0] * len(scores) if weights is None else list(weights)
    if len(weights) != len(scores):
        raise ValueError(f'{len(weights)} weights for {len(scores)} dumps')
    ref = np.asarray(scores[0]).shape
    for name, s in zip(names, scores):
        if np.asarray(s).shape != ref:
            raise data_error(name, f'scores have shape {np.shape(s)}, but '
                             f'{names[0]} has {ref}')
    return sum(w * to_numpy(s) for w, s in zip(weights, scores))


def accuracy_report(scores: np.ndarray, labels: np.ndarray) -> Dict[str, float]:
    """``top1``, ``top5`` (capped at K) and ``mean_class_accuracy``."""
    labels = np.asarray(labels)
    if len(labels) != len(scores):
        raise ValueError(f'{len(scores)} score rows but {len(labels)} labels')
    k5 = min(5, np.shape(scores)[1])
    top1, top5 = top_k_accuracy(list(scores), list(labels), (1, k5))
    return dict(top1=float(top1), top5=float(top5),
                mean_class_accuracy=float(mean_class_accuracy(
                    list(scores), list(labels))))


def save_dump(path: str, scores: np.ndarray,
              labels: Optional[np.ndarray] = None) -> None:
    """Write fused scores atomically in the ``tools/test.py --dump`` format."""
    import torch
    records = []
    for i, score in enumerate(scores):
        rec = dict(pred_score=torch.from_numpy(np.asarray(score, np.float32)),
                   pred_label=torch.tensor([int(np.argmax(score))]))
        if labels is not None:
            rec['gt_label'] = torch.tensor([int(labels[i])])
        records.append(rec)
    atomic_pickle_dump(records, path)
