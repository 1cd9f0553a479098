"""A dump where only some samples carry ``gt_label`` is refused by every
reader that uses labels (ensemble, confusion matrices), never half-scored."""
import os.path as osp
import pickle
import sys

import pytest
import torch

from mmaction2_ext.evaluation.functional.ensemble import \
    load_dump as ensemble_dump
from mmaction2_ext.utils import DataError
from mmaction2_ext.visualization.confusion import load_dump as confusion_dump
from helpers import warm_python


def partial_dump(path, unlabelled):
    """Four samples of 3 classes; those in ``unlabelled`` lack gt_label."""
    records = []
    for i in range(4):
        rec = dict(pred_score=torch.eye(3)[i % 3])
        if i not in unlabelled:
            rec['gt_label'] = torch.tensor([i % 3])
        records.append(rec)
    with open(path, 'wb') as f:
        pickle.dump(records, f)
    return str(path)


@pytest.mark.parametrize('unlabelled', [(0, ), (2, ), (1, 3)])
def test_ensemble_refuses_partly_labelled_dump(tmp_path, unlabelled):
    path = partial_dump(tmp_path / 'j.pkl', unlabelled)
    with pytest.raises(DataError, match=r"j\.pkl.*'gt_label'.*only some"):
        ensemble_dump(path)


def test_fully_unlabelled_dump_is_label_free(tmp_path):
    scores, labels = ensemble_dump(partial_dump(tmp_path / 'j.pkl',
                                                range(4)))
    assert labels is None and scores.shape == (4, 3)


@pytest.mark.parametrize('unlabelled', [(0, ), (2, )])
def test_confusion_refuses_partly_labelled_dump(tmp_path, unlabelled):
    path = partial_dump(tmp_path / 'r.pkl', unlabelled)
    with pytest.raises(DataError, match=rf"r\.pkl \[sample {unlabelled[0]}, "
                       r"field 'gt_label'\]"):
        confusion_dump(path)


def test_ensemble_cli_one_line(tmp_path, repo_root, tool_env, reliability):
    good = partial_dump(tmp_path / 'b.pkl', ())
    bad = partial_dump(tmp_path / 'j.pkl', (2, ))
    proc = warm_python.run(
        [sys.executable, osp.join(repo_root, 'tools', 'ensemble.py'), good,
         bad], env=tool_env, capture_output=True, text=True, timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    reliability.record('data', 'dump where only some samples have gt_label '
                       '(ensemble)', lines[0])
    assert lines[0].startswith('error: ') and 'j.pkl' in lines[0]
    assert 'gt_label' in lines[0]
