"""MA-52 metric functions, submission format against the authors' files,
refusal of mismatched dumps, atomic overwrite."""
import csv
import os
import pickle
import sys
import zipfile

import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score

from mmaction2_ext.datasets.ma52_labels import MA52_ACTION_TO_BODY
from mmaction2_ext.evaluation.functional import ma52_metrics
from mmaction2_ext.evaluation.metrics import MA52Metric
from mmaction2_ext.submission.ma52 import (HEADER, make_submission,
                                           read_prediction_csv,
                                           score_prediction_csv)
from mmaction2_ext.utils import DataError
from helpers import warm_python


def test_metric_functions_match_sklearn_and_definitions():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 52, 200)
    action = rng.random((200, 52))
    action[np.arange(150), labels[:150]] += 0.7  # 150 probably right
    body = rng.random((200, 7))
    m = ma52_metrics(action, body, labels)
    pred = action.argmax(1)
    bodies = np.array(MA52_ACTION_TO_BODY)[labels]
    bpred = body.argmax(1)
    assert m['action_F1_macro'] == pytest.approx(f1_score(labels, pred, average='macro'))
    assert m['action_F1_micro'] == pytest.approx(f1_score(labels, pred, average='micro'))
    assert m['body_F1_macro'] == pytest.approx(f1_score(bodies, bpred, average='macro'))
    assert m['action_top1'] == pytest.approx(np.mean(pred == labels))
    top5 = np.argsort(-action, 1)[:, :5]
    assert m['action_top5'] == pytest.approx(np.mean([labels[i] in top5[i] for i in range(200)]))
    assert m['body_top1'] == pytest.approx(np.mean(bpred == bodies))
    assert m['body_F1_micro'] == pytest.approx(f1_score(bodies, bpred, average='micro'))
    assert m['F1_mean'] == pytest.approx(np.mean([
        f1_score(y, p, average=avg) for y, p in ((labels, pred), (bodies, bpred))
        for avg in ('macro', 'micro')]))


def test_metric_fuses_rgb_and_pose():
    metric = MA52Metric()
    rng = np.random.default_rng(1)
    samples = []
    for i in range(10):
        y = int(rng.integers(0, 52))
        rgb = torch.softmax(torch.randn(52), 0)
        pose = torch.softmax(torch.randn(52), 0)
        pose[y] += 1.  # pose right, rgb random
        samples.append({'gt_label': torch.tensor([y]), 'pred_score': {
            'rgb': rgb, 'pose': pose, 'rgb_coarse': torch.rand(7),
            'pose_coarse': torch.rand(7)}})
    metric.process(None, samples)
    out = metric.compute_metrics(metric.results)
    assert out['pose_top1'] == 1.0 and out['RGBPose_1:1_top1'] == 1.0
    assert out['action_top1'] == 1.0 and 0 <= out['F1_mean'] <= 1


def fake_dump(path, names, rng, key='pred_score', with_names=True):
    results = []
    for name in names:
        sample = {key: {'rgb': torch.rand(52), 'pose': torch.rand(52),
                        'rgb_coarse': torch.rand(7), 'pose_coarse': torch.rand(7)},
                  'gt_label': torch.tensor([0])}
        if with_names:
            sample['filename'] = f'data/ma52/raw_videos/{name}'
        results.append(sample)
    with open(path, 'wb') as f:
        pickle.dump(results, f)
    return results


@pytest.fixture
def test_list(tmp_path):
    names = [f'test{i:04d}.mp4' for i in range(6)]
    path = tmp_path / 'test_list_videos.txt'
    path.write_text(''.join(f'{n} 0\n' for n in names))
    return str(path), names


def test_submission_format_matches_official(tmp_path, test_list, upstream_dir):
    list_path, names = test_list
    results = fake_dump(tmp_path / 'result.pkl', names, np.random.default_rng(0))
    csv_path, zip_path = tmp_path / 'prediction.csv', tmp_path / 'submission.zip'
    assert make_submission(str(tmp_path / 'result.pkl'), list_path,
                           str(csv_path), str(zip_path)) == 6
    official = f'{upstream_dir}/pcan/eval_ma52'
    ours_bytes = csv_path.read_bytes()
    ref_bytes = open(f'{official}/prediction.csv', 'rb').read()
    # same header line and CRLF line ends
    assert ours_bytes.split(b'\r\n')[0] == ref_bytes.split(b'\r\n')[0]
    assert ours_bytes.count(b'\r\n') == 7 and b'\n' not in ours_bytes.replace(b'\r\n', b'')
    ref_row = ref_bytes.split(b'\r\n')[1].decode().split(',')
    ours_rows = list(csv.reader(ours_bytes.decode().splitlines()))
    assert len(ours_rows[1]) == len(ref_row) == 11
    # rows: name, top-5 of the fused scores, 0-based, descending
    for row, name, sample in zip(ours_rows[1:], names, results):
        s = sample['pred_score']
        action = ((s['rgb'] + s['pose']) / 2).numpy()
        body = ((s['rgb_coarse'] + s['pose_coarse']) / 2).numpy()
        assert row[0] == name
        assert [int(v) for v in row[1:6]] == list(np.argsort(-action)[:5])
        assert [int(v) for v in row[6:]] == list(np.argsort(-body)[:5])
    # zip: stored, prediction.csv at the root, same bytes as the csv
    with zipfile.ZipFile(zip_path) as ours, \
            zipfile.ZipFile(f'{official}/submission.zip') as ref:
        assert ours.namelist() == ref.namelist() == ['prediction.csv']
        assert ours.infolist()[0].compress_type == ref.infolist()[0].compress_type \
            == zipfile.ZIP_STORED
        assert ours.read('prediction.csv') == ours_bytes
    # the official file parses with our reader: 5586 test rows
    names_ref, a, b = read_prediction_csv(f'{official}/prediction.csv')
    assert len(names_ref) == 5586 and names_ref[0] == 'test0000.mp4'
    assert a.max() < 52 and b.max() < 7


def test_fork_dump_key_is_accepted(tmp_path, test_list):
    list_path, names = test_list
    fake_dump(tmp_path / 'r.pkl', names, None, key='pred_scores', with_names=False)
    assert make_submission(str(tmp_path / 'r.pkl'), list_path,
                           str(tmp_path / 'p.csv'), str(tmp_path / 's.zip')) == 6


@pytest.mark.parametrize('problem', ['short', 'order'])
def test_mismatched_dump_refused_and_old_submission_kept(tmp_path, test_list, problem):
    list_path, names = test_list
    csv_path, zip_path = tmp_path / 'prediction.csv', tmp_path / 'submission.zip'
    csv_path.write_bytes(b'old'), zip_path.write_bytes(b'old')
    dumped = names[:5] if problem == 'short' else names[1:] + names[:1]
    fake_dump(tmp_path / 'r.pkl', dumped, None)
    with pytest.raises(DataError, match='r.pkl'):
        make_submission(str(tmp_path / 'r.pkl'), list_path, str(csv_path),
                        str(zip_path))
    assert csv_path.read_bytes() == b'old' and zip_path.read_bytes() == b'old'
    assert sorted(os.listdir(tmp_path)) == sorted(
        ['prediction.csv', 'submission.zip', 'r.pkl', 'test_list_videos.txt'])


def test_cli_writes_and_scores(tmp_path, test_list, repo_root, tool_env):
    list_path, names = test_list
    results = fake_dump(tmp_path / 'r.pkl', names, None)
    # labels whose body is the fused body argmax on even rows only
    body_of = np.array(MA52_ACTION_TO_BODY)
    gt_lines = []
    for i, (name, r) in enumerate(zip(names, results)):
        body = int(np.argmax((r['pred_score']['rgb_coarse'] +
                              r['pred_score']['pose_coarse']).numpy()))
        action = np.flatnonzero((body_of == body) == (i % 2 == 0))[0]
        gt_lines.append(f'{name} {action}\n')
    gt_list = tmp_path / 'gt.txt'
    gt_list.write_text(''.join(gt_lines))
    out = warm_python.run(
        [sys.executable, 'eval_ma52/eval_test.py', '--dump', str(tmp_path / 'r.pkl'),
         '--test-list', list_path, '--csv', str(tmp_path / 'p.csv'),
         '--zip', str(tmp_path / 's.zip'), '--gt', str(gt_list)],
        cwd=repo_root, env=tool_env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert '6 predictions' in out.stdout and 'F1_mean' in out.stdout
    assert score_prediction_csv(str(tmp_path / 'p.csv'), str(gt_list))[
        'body_top1'] == pytest.approx(3 / 6)
    bad = warm_python.run(
        [sys.executable, 'eval_ma52/eval_test.py', '--dump', str(tmp_path / 'none.pkl'),
         '--test-list', list_path], cwd=repo_root, env=tool_env,
        capture_output=True, text=True)
    assert bad.returncode == 1 and 'none.pkl' in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
