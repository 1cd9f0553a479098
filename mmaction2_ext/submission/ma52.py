"""MA-52 Codabench submission (competition 9066) from a ``tools/test.py --dump``.

Format (the authors' ``eval_ma52/prediction.csv`` / ``submission.zip``):
header ``vid,action_pred_1..5,body_pred_1..5``, one row per test video in the
order of ``test_list_videos.txt``, 0-based top-5 class indices of the fused
scores ``(rgb + pose) / 2`` (action) and ``(rgb_coarse + pose_coarse) / 2``
(body), CRLF line ends; the zip stores ``prediction.csv`` at its root.
"""
import csv
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from ..datasets.ma52 import read_video_list
from ..evaluation.functional import ma52_metrics_from_topk, topk_indices
from ..evaluation.functional.dump import read_dump, to_numpy
from ..utils import data_error
from .archive import csv_bytes, write_csv_and_zip

HEADER = (['vid'] + [f'action_pred_{i}' for i in range(1, 6)] +
          [f'body_pred_{i}' for i in range(1, 6)])
SCORE_KEYS = ('rgb', 'pose', 'rgb_coarse', 'pose_coarse')
CSV_NAME = 'prediction.csv'


def fused_scores(results: Sequence[Dict], path: str,
                 num_actions: int = 52, num_bodies: int = 7
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """(N, 52) action and (N, 7) body fused scores of dumped samples.

    Reads ``pred_score`` (mmaction2 1.2) or ``pred_scores`` (the fork, 1.1).
    """
    action, body = [], []
    for index, sample in enumerate(results):
        scores = sample.get('pred_score', sample.get('pred_scores'))
        if not isinstance(scores, dict) or not set(SCORE_KEYS) <= set(scores):
            raise data_error(path, f'needs pred_score with keys {SCORE_KEYS} '
                             '(a PCAN dump)', sample=index, field='pred_score')
        s = {k: to_numpy(scores[k]).reshape(-1) for k in SCORE_KEYS}
        for key, size in zip(SCORE_KEYS, (num_actions,) * 2 + (num_bodies,) * 2):
            if s[key].shape != (size,):
                raise data_error(path, f'{s[key].shape[0]} scores, expected '
                                 f'{size}', sample=index, field=f'pred_score.{key}')
        action.append((s['rgb'] + s['pose']) / 2)
        body.append((s['rgb_coarse'] + s['pose_coarse']) / 2)
    return np.stack(action), np.stack(body)


def check_order(results: Sequence[Dict], names: Sequence[str], dump: str,
                test_list: str) -> None:
    """Refuse a dump that does not pair with the test list by index."""
    if len(results) != len(names):
        raise data_error(dump, f'{len(results)} samples, but {test_list} lists '
                         f'{len(names)} videos; test on the full test split '
                         'in list order')
    for index, (sample, name) in enumerate(zip(results, names)):
        key = next((k for k in ('filename', 'frame_dir') if sample.get(k)),
                   None)
        if key is None:  # dumps without file names: length check only
            continue
        source = sample[key]
        got = osp.basename(source)
        got = got if got.endswith('.mp4') else got + '.mp4'
        if got != name:
            raise data_error(dump, f'sample is {got!r} but {test_list} has '
                             f'{name!r} at this position', sample=index,
                             field=key)


def prediction_rows(names: Sequence[str], action: np.ndarray,
                    body: np.ndarray) -> List[List]:
    a_top, b_top = topk_indices(action, 5), topk_indices(body, 5)
    return [[name, *map(int, a), *map(int, b)]
            for name, a, b in zip(names, a_top, b_top)]


def make_submission(dump: str, test_list: str, csv_path: str,
                    zip_path: str) -> int:
    """Write ``prediction.csv`` and ``submission.zip``; returns the row count.

    Both files are replaced together, so a failure leaves any previous
    submission intact.
    """
    results = read_dump(dump)
    names = read_video_list(test_list)
    check_order(results, names, dump, test_list)
    rows = prediction_rows(names, *fused_scores(results, dump))
    write_csv_and_zip(csv_path, zip_path, CSV_NAME,
                      csv_bytes(rows, HEADER, line_terminator='\r\n'))
    return len(rows)


def read_prediction_csv(path: str) -> Tuple[List[str], np.ndarray, np.ndarray]:
    """(video names, (N, 5) action indices, (N, 5) body indices)."""
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != HEADER:
        raise data_error(path, f'header must be {",".join(HEADER)}')
    body = rows[1:]
    for index, row in enumerate(body):
        if len(row) != 11 or not all(v.isdigit() for v in row[1:]):
            raise data_error(path, f'bad row {row!r}', sample=index)
    values = np.array([[int(v) for v in row[1:]] for row in body], dtype=np.int64)
    return [row[0] for row in body], values[:, :5], values[:, 5:]


def score_prediction_csv(csv_path: str, gt_list: str) -> Dict[str, float]:
    """MA-52 metrics of a ``prediction.csv`` against a labelled list file
    (what the server computes; useful on val or on synthetic test labels)."""
    names, action, body = read_prediction_csv(csv_path)
    with open(gt_list) as f:
        gt = dict(line.split() for line in f if line.strip())
    missing = [n for n in names if n not in gt]
    if missing:
        raise data_error(gt_list, f'no label for {missing[0]!r}',
                         sample=missing[0])
    labels = np.array([int(gt[n]) for n in names])
    return ma52_metrics_from_topk(action, body[:, 0], labels)
