"""iMiGUE Submission.csv / Submission.zip format (spec §4) and the fusion CLI."""
import os.path as osp
import pickle
import sys
import zipfile

import numpy as np
import pytest
import torch

from mmaction2_ext.submission.imigue import (read_test_ids,
                                             submission_from_scores,
                                             write_submission)
from helpers import warm_python


def test_csv_has_no_header_and_zip_holds_only_it(tmp_path):
    csv_path, zip_path = write_submission(str(tmp_path), ['0054_0', '0054_1',
                                                          '0102_7'], [12, 0, 31])
    with open(csv_path, 'rb') as f:
        raw = f.read()
    assert raw == b'0054_0,12\n0054_1,0\n0102_7,31\n'
    assert osp.basename(csv_path) == 'Submission.csv'
    assert osp.basename(zip_path) == 'Submission.zip'
    with zipfile.ZipFile(zip_path) as z:
        assert z.namelist() == ['Submission.csv']
        assert z.read('Submission.csv') == raw


def test_bad_predictions(tmp_path):
    with pytest.raises(ValueError, match='2 test ids but 1 predictions'):
        write_submission(str(tmp_path), ['a', 'b'], [1])
    with pytest.raises(ValueError, match="prediction 32 for 'b'"):
        write_submission(str(tmp_path), ['a', 'b'], [1, 32])
    assert not osp.exists(tmp_path / 'Submission.csv')


def test_upstream_test_ids_warn_about_the_repeated_last_id(upstream_dir):
    path = osp.join(upstream_dir, 'miga', 'ensemble', 'test_id.txt')
    with pytest.warns(UserWarning, match=r"'0453_3': \[\d+, 4561\]"):
        ids = read_test_ids(path)
    assert len(ids) == 4562 and ids[-1] == '0453_3'
    assert len(set(ids)) == 4561


def test_ids_from_the_test_pickle_follow_dataset_order(tmp_path):
    annos = [dict(frame_dir=n) for n in ['b_1', 'x_9', 'a_0', 'c_2']]
    path = str(tmp_path / 'imigue_test.pkl')
    with open(path, 'wb') as f:
        pickle.dump(dict(split={'test': ['a_0', 'b_1', 'c_2']},
                         annotations=annos), f)
    assert read_test_ids(path) == ['b_1', 'a_0', 'c_2']


def test_argmax_of_scores(tmp_path):
    scores = np.zeros((2, 32))
    scores[0, 7], scores[1, 30] = 1, 2
    csv_path, _ = submission_from_scores(str(tmp_path), ['p', 'q'], scores)
    assert open(csv_path).read() == 'p,7\nq,30\n'


def test_cli_fuses_joint_04_limb_06(tmp_path, repo_root, tool_env):
    rng = np.random.default_rng(0)
    n = 40
    joint = rng.dirichlet(np.ones(32), n)
    limb = rng.dirichlet(np.ones(32), n)
    ids = [f'{i:04d}_0' for i in range(n)]
    (tmp_path / 'ids.txt').write_text(','.join(ids))
    # mmaction2 --dump format (dicts of tensors) and PYSKL format (arrays)
    with open(tmp_path / 'joint.pkl', 'wb') as f:
        pickle.dump([dict(pred_score=torch.from_numpy(s)) for s in joint], f)
    with open(tmp_path / 'limb.pkl', 'wb') as f:
        pickle.dump(list(limb), f)
    out = tmp_path / 'sub'
    proc = warm_python.run(
        [sys.executable, osp.join(repo_root, 'tools/miga_submission.py'),
         '--ids', str(tmp_path / 'ids.txt'), '--dumps',
         str(tmp_path / 'joint.pkl'), str(tmp_path / 'limb.pkl'),
         '--out-dir', str(out)], env=tool_env, capture_output=True,
        text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f'[2/2] {tmp_path / "limb.pkl"}: {n} results' in proc.stdout
    expected = []
    for i in range(n):
        fused = [0.4 * joint[i, c] + 0.6 * limb[i, c] for c in range(32)]
        expected.append(f'{ids[i]},{fused.index(max(fused))}')
    assert (out / 'Submission.csv').read_text().splitlines() == expected
    # the weights matter on this data
    assert expected != [f'{ids[i]},{joint[i].argmax()}' for i in range(n)]
    assert expected != [f'{ids[i]},{limb[i].argmax()}' for i in range(n)]
    short = warm_python.run(
        [sys.executable, osp.join(repo_root, 'tools/miga_submission.py'),
         '--ids', str(tmp_path / 'ids.txt'), '--dumps',
         str(tmp_path / 'joint.pkl'), str(tmp_path / 'missing.pkl'),
         '--out-dir', str(out)], env=tool_env, capture_output=True,
        text=True, timeout=120)
    assert short.returncode == 1 and 'missing.pkl does not exist' in \
        short.stderr
