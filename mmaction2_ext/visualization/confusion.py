"""Confusion matrices of a test dump (``tools/test.py --dump result.pkl``).

Any recognizer's dump works (a list of dicts with ``pred_score`` (C,) and
``gt_label``). PCAN dumps carry ``pred_score`` as a dict ``{'rgb', 'pose',
'rgb_coarse', 'pose_coarse'}``: actions use the mean of the non-coarse
scores and bodies the mean of the ``*_coarse`` ones, as the official MA-52
submission script does.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.figure import Figure

from ..datasets.labels import label_file_path, read_class_names
from ..datasets.ma52_labels import (MA52_BODY_NAMES, MA52_NUM_ACTIONS,
                                    MA52_NUM_BODIES, action_to_body)
from ..evaluation.functional.dump import read_dump, split_score, to_numpy
from ..utils import data_error
from .figure import save_figure
ANNOTATE_MAX = 20  # write the counts into the cells up to this many classes


@dataclass
class DumpScores:
    scores: np.ndarray  # (N, C) class scores
    labels: np.ndarray  # (N,) ground-truth class ids
    body_scores: Optional[np.ndarray] = None  # (N, 7) PCAN body scores


def load_dump(path: str) -> DumpScores:
    """Scores and labels of a ``--dump`` pickle (errors name sample, field)."""
    scores, bodies, labels = [], [], []
    for i, rec in enumerate(read_dump(path)):
        for key in ('pred_score', 'gt_label'):
            if not isinstance(rec, dict) or key not in rec:
                raise data_error(path, 'missing', sample=i, field=key)
        label = to_numpy(rec['gt_label']).reshape(-1)
        if label.size != 1:
            raise data_error(path, f'expected one label, got {label.size}',
                             sample=i, field='gt_label')
        labels.append(int(label[0]))
        score, body = split_score(rec['pred_score'])
        scores.append(score)
        if body is not None:
            bodies.append(body)
    widths = {s.shape for s in scores}
    if len(widths) != 1 or len(next(iter(widths))) != 1:
        raise data_error(path, f'score shapes differ or are not 1-D: '
                         f'{sorted(widths)}', field='pred_score')
    scores = np.stack(scores)
    labels = np.array(labels, dtype=np.int64)
    bad = np.flatnonzero((labels < 0) | (labels >= scores.shape[1]))
    if bad.size:
        raise data_error(path, f'label {labels[bad[0]]} outside [0, '
                         f'{scores.shape[1]})', sample=int(bad[0]),
                         field='gt_label')
    if bodies and len(bodies) != len(scores):
        raise data_error(path, 'only some samples have *_coarse scores',
                         field='pred_score')
    return DumpScores(scores, labels, np.stack(bodies) if bodies else None)


def confusion_counts(labels: np.ndarray, preds: np.ndarray,
                     num_classes: int) -> np.ndarray:
    """(C, C) int counts; row = ground truth, column = prediction."""
    flat = np.asarray(labels) * num_classes + np.asarray(preds)
    return np.bincount(flat, minlength=num_classes**2).reshape(
        num_classes, num_classes)


def dump_confusions(dump: DumpScores, class_names: Optional[Sequence[str]]
                    = None, ma52: bool = False) -> Dict[str, Dict]:
    """``{'action': {...}}`` (plus ``'body'`` for MA-52), each with
    ``counts`` (C, C) and ``names``.

    MA-52 body predictions come from the body scores when the dump has them
    (PCAN), else from the body of the predicted action.
    """
    num = dump.scores.shape[1]
    names = list(class_names) if class_names else [str(i) for i in range(num)]
    if len(names) != num:
        raise ValueError(f'{len(names)} class names for {num} classes')
    preds = dump.scores.argmax(1)
    out = {'action': dict(counts=confusion_counts(dump.labels, preds, num),
                          names=names)}
    if ma52:
        if num != MA52_NUM_ACTIONS:
            raise ValueError(f'MA-52 mode needs {MA52_NUM_ACTIONS} classes, '
                             f'the dump has {num}')
        body_preds = dump.body_scores.argmax(1) if dump.body_scores is not \
            None else action_to_body(preds)
        out['body'] = dict(counts=confusion_counts(
            action_to_body(dump.labels), body_preds, MA52_NUM_BODIES),
            names=list(MA52_BODY_NAMES))
    return out


def present_classes(counts: np.ndarray) -> np.ndarray:
    """Ids of the classes that occur as ground truth or as a prediction."""
    return np.flatnonzero((counts.sum(0) > 0) | (counts.sum(1) > 0))


def top_confusions(counts: np.ndarray, names: Sequence[str],
                   k: int = 10) -> List[Tuple[int, str, str]]:
    """The ``k`` largest off-diagonal cells as ``(count, truth, predicted)``,
    largest first (ties: ground-truth id, then predicted id)."""
    off = counts.copy()
    np.fill_diagonal(off, 0)
    cells = sorted(((-int(n), r, c) for (r, c), n in np.ndenumerate(off)
                    if n), key=lambda cell: cell)[:k]
    return [(-n, names[r], names[c]) for n, r, c in cells]


def draw_confusion_matrix(counts: np.ndarray, names: Sequence[str],
                          title: str = '', normalize: bool = True,
                          present_only: bool = False) -> Figure:
    """Heat map of ``counts`` (row-normalised = per-class recall by default),
    ground truth on the y axis, class names as tick labels, the counts in
    the cells (up to ``ANNOTATE_MAX`` classes shown). ``present_only``: only
    the classes of :func:`present_classes` (the title says how many)."""
    total_classes = len(names)
    shown_ids = present_classes(counts) if present_only else \
        np.arange(total_classes)
    counts = counts[np.ix_(shown_ids, shown_ids)]
    names = [names[i] for i in shown_ids]
    num = len(names)
    rows = counts.sum(1, keepdims=True)
    shown = counts / np.maximum(rows, 1) if normalize else counts
    side = max(5.0, 0.2 * num + 3.0)
    fig = Figure(figsize=(side + 1.0, side), layout='constrained')
    ax = fig.subplots()
    vmax = 1 if normalize else max(int(counts.max()), 1)
    image = ax.imshow(shown, cmap='Blues', vmin=0, vmax=vmax)
    fig.colorbar(image, ax=ax, shrink=0.8,
                 label='fraction of the row' if normalize else 'samples')
    font = 'small' if num <= ANNOTATE_MAX else 6
    ax.set_xticks(range(num), labels=names, rotation=90, fontsize=font)
    ax.set_yticks(range(num), labels=names, fontsize=font)
    ax.set_xlabel('predicted')
    ax.set_ylabel('ground truth')
    total = int(counts.sum())
    accuracy = np.trace(counts) / max(total, 1)
    summary = f'top-1 {accuracy:.2%} of {total} samples'
    if num < total_classes:
        summary += f'\n{num} of {total_classes} classes (those present)'
    ax.set_title(f'{title}: {summary}' if title else summary)
    if num <= ANNOTATE_MAX:
        for (r, c), n in np.ndenumerate(counts):
            if n:
                ax.text(c, r, str(n), ha='center', va='center',
                        fontsize='small',
                        color='white' if shown[r, c] > 0.5 * vmax else
                        'black')
    return fig


def plot_confusion_matrices(dump_path: str, outs: Dict[str, str],
                            label_file: Optional[str] = None,
                            ma52: bool = False, normalize: bool = True,
                            dpi: int = 100, present_only: bool = False
                            ) -> Dict[str, Dict]:
    """Write each matrix of :func:`dump_confusions` named in ``outs``
    (``{'action': path, 'body': path}``) as an image; return them all.

    ``label_file`` gives the class names (``name`` or ``index<TAB>name``
    lines, e.g. MA-52's ``label_name.txt``); MA-52 dumps default to the
    MA-52 action names. ``present_only``: see :func:`draw_confusion_matrix`.
    """
    dump = load_dump(dump_path)
    num = dump.scores.shape[1]
    if ma52 and num != MA52_NUM_ACTIONS:
        raise data_error(dump_path, f'MA-52 mode needs {MA52_NUM_ACTIONS} '
                         f'classes, the dump has {num}', field='pred_score')
    if label_file is None and ma52:
        label_file = label_file_path('ma52')
    names = read_class_names(label_file) if label_file else None
    if names is not None and len(names) != num:
        raise data_error(label_file, f'{len(names)} class names, but the '
                         f'dump {dump_path} has {num} classes')
    matrices = dump_confusions(dump, names, ma52)
    for name, out in outs.items():
        m = matrices[name]
        save_figure(draw_confusion_matrix(m['counts'], m['names'],
                                          name, normalize, present_only),
                    out, dpi)
    return matrices
