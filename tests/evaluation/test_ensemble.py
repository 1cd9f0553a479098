"""Score fusion arithmetic, error messages and the CLI, incl. real dumps."""
import os.path as osp
import pickle
import sys

import numpy as np
import pytest
import torch

from mmaction2_ext.evaluation.functional import (PRESETS, accuracy_report,
                                                 check_same_labels,
                                                 fuse_scores, load_dump,
                                                 save_dump)
from mmaction2_ext.utils import DataError
from helpers import warm_python


def write(path, scores, labels=None):
    if labels is None:
        records = [np.asarray(s, np.float32) for s in scores]
    else:
        records = [dict(pred_score=torch.tensor(s, dtype=torch.float32),
                        gt_label=torch.tensor([int(y)]))
                   for s, y in zip(scores, labels)]
    with open(path, 'wb') as f:
        pickle.dump(records, f)
    return str(path)


def test_fuse_and_report_by_hand():
    a = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8],
                  [0.4, 0.4, 0.2]])
    b = np.array([[0.1, 0.8, 0.1], [0.1, 0.2, 0.7], [0.3, 0.3, 0.4],
                  [0.1, 0.6, 0.3]])
    fused = fuse_scores([a, b], [2, 1])
    np.testing.assert_allclose(fused[0], [1.3, 1.4, 0.3])
    labels = np.array([1, 2, 2, 0])
    # 2a + b rows: [1.3 1.4 .3] [.5 1.2 1.3] [.5 .5 2] [.9 1.4 .7]
    # argmax 1, 2, 2, 1 -> 3 of 4 correct; class 0 0/1, class 1 1/1,
    # class 2 2/2 -> mean class accuracy 2/3; top-3 covers all
    rep = accuracy_report(fused, labels)
    assert rep['top1'] == pytest.approx(0.75)
    assert rep['top5'] == pytest.approx(1.0)
    assert rep['mean_class_accuracy'] == pytest.approx(2 / 3)
    np.testing.assert_allclose(fuse_scores([a, b]), a + b)


def test_presets_are_upstream_weights():
    assert PRESETS['2'] == (['j', 'b'], [1, 1])
    assert PRESETS['4'][1] == [2, 2, 1, 1]
    assert PRESETS['6'] == (['j', 'b', 'k', 'jm', 'bm', 'km'],
                            [2, 2, 2, 1, 1, 1])


def test_real_mmaction2_dumps(upstream_dir, tmp_path):
    fuse = osp.join(upstream_dir, 'mmaction2', 'demo', 'fuse')
    (sj, lj), (sb, lb) = [load_dump(osp.join(fuse, f'{n}.pkl'))
                          for n in ('joint', 'bone')]
    assert sj.shape == (60, 120) and lj.shape == (60, )
    labels = check_same_labels([lj, lb], ['joint', 'bone'])
    with open(osp.join(fuse, 'joint.pkl'), 'rb') as f:
        raw_j = pickle.load(f)
    with open(osp.join(fuse, 'bone.pkl'), 'rb') as f:
        raw_b = pickle.load(f)
    # independent count over the raw records
    hits = sum(int((rj['pred_score'] + rb['pred_score']).argmax()) ==
               int(rj['gt_label']) for rj, rb in zip(raw_j, raw_b))
    rep = accuracy_report(fuse_scores([sj, sb], [1, 1]), labels)
    assert rep['top1'] == pytest.approx(hits / 60)
    # fused dump round-trips through load_dump
    out = tmp_path / 'fused.pkl'
    save_dump(str(out), fuse_scores([sj, sb]), labels)
    s2, l2 = load_dump(str(out))
    np.testing.assert_allclose(s2, sj + sb, rtol=1e-6)
    np.testing.assert_array_equal(l2, labels)


def test_clear_errors(tmp_path):
    s = np.eye(3)
    a = write(tmp_path / 'a.pkl', s, [0, 1, 2])
    b = write(tmp_path / 'b.pkl', s, [0, 2, 2])
    c = write(tmp_path / 'c.pkl', s[:2], [0, 1])
    la, lb, lc = (load_dump(p)[1] for p in (a, b, c))
    with pytest.raises(DataError, match=r"b\.pkl \[sample 1, field "
                       r"'gt_label'\]: label 2 differs"):
        check_same_labels([la, lb], [a, b])
    with pytest.raises(DataError, match='2 samples, but .*a.pkl has 3'):
        check_same_labels([la, lc], [a, c])
    with pytest.raises(DataError, match=r'c\.pkl: scores have shape'):
        fuse_scores([s, s[:2]], names=[a, c])
    bad = tmp_path / 'bad.pkl'
    bad.write_bytes(b'not a pickle')
    with pytest.raises(DataError, match='bad.pkl: cannot read'):
        load_dump(str(bad))
    ragged = write(tmp_path / 'r.pkl', [np.ones(3), np.ones(4)])
    with pytest.raises(DataError, match='different class counts'):
        load_dump(ragged)


def test_cli(tmp_path, repo_root, tool_env):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 20)
    dumps = [write(tmp_path / f'{n}.pkl', rng.uniform(size=(20, 4)), labels)
             for n in ('j', 'b')]
    out = tmp_path / 'fused.pkl'
    cmd = [sys.executable, osp.join(repo_root, 'tools', 'ensemble.py'),
           *dumps, '--weights', '2', '1', '--out', str(out)]
    res = warm_python.run(cmd, env=tool_env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    expect = fuse_scores([load_dump(d)[0] for d in dumps], [2, 1])
    top1 = np.mean(expect.argmax(1) == labels)
    assert f'top1: {top1:.4f}' in res.stdout and '[2/2]' in res.stdout
    np.testing.assert_allclose(load_dump(str(out))[0], expect, rtol=1e-6)
    # labels from a PYSKL pickle for label-less upstream dumps
    plain = write(tmp_path / 'plain.pkl', expect)
    ann = tmp_path / 'ann.pkl'
    with open(ann, 'wb') as f:
        pickle.dump(dict(split=dict(val=[f'v{i}' for i in range(20)]),
                         annotations=[dict(frame_dir=f'v{i}', label=int(y))
                                      for i, y in enumerate(labels)]), f)
    res = warm_python.run(cmd[:2] + [plain, '--ann-file', str(ann),
                                    '--split', 'val'],
                          env=tool_env, capture_output=True, text=True)
    assert f'top1: {top1:.4f}' in res.stdout, res.stderr
    bad = warm_python.run(cmd[:2] + dumps + ['--preset', '6'], env=tool_env,
                          capture_output=True, text=True)
    assert bad.returncode == 2 and 'preset 6 fuses 6 dumps' in bad.stderr
