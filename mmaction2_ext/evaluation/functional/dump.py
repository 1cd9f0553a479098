"""Reading ``tools/test.py --dump`` pickles, shared by the ensemble, the
confusion matrices and the MA-52 submission.

A dump is a list with one record per test sample: a dict with ``pred_score``
(C,) and ``gt_label`` (mmaction2), or a bare score vector (upstream PYSKL /
ProtoGCN ``*_pred.pkl``). PCAN dumps hold ``pred_score`` as a dict
``{'rgb', 'pose', 'rgb_coarse', 'pose_coarse'}``.
"""
import os.path as osp
from typing import Dict, List, Optional, Tuple, Union

import numpy as np

from ...utils import data_error, missing_file, safe_load

Score = Union[np.ndarray, Dict[str, np.ndarray]]


def to_numpy(value) -> np.ndarray:
    """Array of a tensor (any device) or array-like: float scores keep their
    dtype (the upstream scripts fuse float32 scores in float32, and float64
    sums would split their ties), anything else becomes float64."""
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    return array if np.issubdtype(array.dtype, np.floating) \
        else array.astype(np.float64)


def read_dump(path: str) -> List:
    """The records of a dump; a clear error for a missing or broken file."""
    if not osp.isfile(path):
        raise missing_file('dump file', path, 'run tools/test.py CONFIG CKPT '
                           '--dump PATH first')
    records = safe_load(path, 'dump (a pickle from tools/test.py --dump)')
    if not isinstance(records, (list, tuple)) or not records:
        raise data_error(path, 'expected a non-empty list of per-sample '
                         'results')
    return list(records)


def split_score(score: Score) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """(class scores, body scores or None) of one ``pred_score``.

    A PCAN dict gives the mean of its non-coarse scores and the mean of its
    ``*_coarse`` ones, the fusion of the official MA-52 submission script.
    """
    if not isinstance(score, dict):
        return to_numpy(score), None
    fine = [to_numpy(v) for k, v in score.items() if not k.endswith('_coarse')]
    coarse = [to_numpy(v) for k, v in score.items() if k.endswith('_coarse')]
    return np.mean(fine, 0), (np.mean(coarse, 0) if coarse else None)
