"""The iMiGUE micro-gesture classification submission (MiGA 2023, track 1).

The server takes ``Submission.zip`` holding only ``Submission.csv`` at its root:
no header, one ``<sample id>,<class 0-31>`` row per test sample, in test order.
"""
import os.path as osp
import warnings
from collections import Counter
from typing import List, Sequence, Tuple

import numpy as np

from ..datasets.pose_pickle import load_pose_annotations
from ..utils import data_error
from .archive import csv_bytes, write_csv_and_zip

CSV_NAME = 'Submission.csv'
ZIP_NAME = 'Submission.zip'
NUM_CLASSES = 32


def read_test_ids(path: str, split: str = 'test') -> List[str]:
    """Test sample ids in dataset order.

    ``path`` is the test PoseDataset pickle (ids = ``frame_dir`` of the
    annotations in ``split``, the order the test loop and ``--dump`` use) or a
    text file of comma/newline separated ids like upstream's ``test_id.txt``.
    Repeated ids (upstream's file ends with a truncated ``0453_3``) are kept in
    place, faithfully, with a warning.
    """
    if not osp.isfile(path):
        raise data_error(path, 'file not found')
    if path.endswith('.pkl'):
        ids = [a['frame_dir'] for a in load_pose_annotations(path, split)]
    else:
        with open(path) as f:
            ids = [s.strip() for s in f.read().replace('\n', ',').split(',')]
        ids = [s for s in ids if s]
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    if repeated:
        where = {i: [k for k, s in enumerate(ids) if s == i] for i in repeated}
        warnings.warn(f'{path}: test ids repeated at positions {where}; rows '
                      'are written as listed (upstream test_id.txt has a '
                      'truncated last id). Prefer the test annotation pickle.')
    return ids


def write_submission(out_dir: str, ids: Sequence[str], labels: Sequence[int],
                     num_classes: int = NUM_CLASSES) -> Tuple[str, str]:
    """Write ``Submission.csv`` and ``Submission.zip`` into ``out_dir``."""
    if len(ids) != len(labels):
        raise ValueError(f'{len(ids)} test ids but {len(labels)} predictions')
    rows = []
    for sample, label in zip(ids, labels):
        if not 0 <= int(label) < num_classes:
            raise ValueError(f'prediction {label} for {sample!r} is not a '
                             f'class in [0, {num_classes})')
        rows.append((sample, int(label)))
    csv_path = osp.join(out_dir, CSV_NAME)
    zip_path = osp.join(out_dir, ZIP_NAME)
    write_csv_and_zip(csv_path, zip_path, CSV_NAME, csv_bytes(rows))
    return csv_path, zip_path


def submission_from_scores(out_dir: str, ids: Sequence[str],
                           scores: np.ndarray) -> Tuple[str, str]:
    """Arg-max of (N, num_classes) scores -> :func:`write_submission`."""
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ValueError(f'scores must be (N, num_classes), got {scores.shape}')
    return write_submission(out_dir, ids, scores.argmax(1).tolist(),
                            scores.shape[1])
