"""plot_curves.py and confusion_matrix.py on a real run of the demo config.

The expected values are parsed / counted here straight from the files the
run wrote (scalars.json, result.pkl), independently of the library.
"""
import json
import os
import pickle
import shutil
import sys

import numpy as np
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import imread

from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from mmaction2_ext.utils import DataError
from mmaction2_ext.visualization import (collect_curves, draw_confusion_matrix,
                                         present_classes, top_confusions,
                                         draw_curves, dump_confusions,
                                         load_dump, plot_confusion_matrices)
from helpers import data_options, warm_python

CONFIG = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'
NAMES = ['walk', 'wave', 'jump', 'sit']
C0 = (0x1f, 0x77, 0xb4)  # matplotlib's first two line colours
C1 = (0xff, 0x7f, 0x0e)
# spec pcan.md section 2: body id -> inclusive MA-52 action id range
BODY_RANGES = [(0, 4), (5, 10), (11, 23), (24, 31), (32, 37), (38, 47),
               (48, 51)]


def _tool(env, repo_root, *args):
    proc = warm_python.run([sys.executable, *args], cwd=repo_root, env=env,
                           text=True, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope='module')
def env(repo_root):
    return dict(os.environ, PYTHONPATH=repo_root)


@pytest.fixture(scope='module')
def run(tmp_path_factory, env, repo_root):
    """Two epochs of the demo config, then a test with --dump."""
    tmp = tmp_path_factory.mktemp('run')
    ann = write_skeleton_pickle(str(tmp / 'coco.pkl'), 'coco', num_classes=4,
                                samples_per_class=(6, 3), seed=3)
    options = ['--cfg-options'] + data_options(ann)
    work = tmp / 'work'
    _tool(env, repo_root, 'tools/train.py', CONFIG, '--work-dir', str(work),
          *options, 'train_cfg.max_epochs=2')
    dump = tmp / 'result.pkl'
    _tool(env, repo_root, 'tools/test.py', CONFIG, str(work / 'epoch_2.pth'),
          '--dump', str(dump), '--work-dir', str(tmp / 'test'), *options)
    return dict(tmp=tmp, work=work, dump=dump)


def _parse_log(work_dir):
    """{(mode, key): [(step, value), ...]} read straight from scalars.json."""
    [stamp] = [d for d in os.listdir(work_dir)
               if os.path.isfile(work_dir / d / 'vis_data' / 'scalars.json')]
    series = {}
    for line in open(work_dir / stamp / 'vis_data' / 'scalars.json'):
        rec = json.loads(line)
        mode = 'train' if 'iter' in rec else 'val'
        for key in ('loss', 'acc/top1', 'lr'):
            if key in rec:
                series.setdefault((mode, key), []).append(
                    (rec['step'], rec[key]))
    return series


def _png(path):
    image = imread(str(path))
    return (image[..., :3] * 255).round().astype(int)


def _colour_pixels(rgb, colour):
    return int((np.abs(rgb - np.array(colour)).max(-1) <= 8).sum())


def test_curves_are_the_logged_values(run, env, repo_root):
    logged = _parse_log(run['work'])
    # 24 training samples, batch 8 -> 3 iterations per epoch, each logged
    # (ProgressIntervalHook: a tenth of the loader); val each epoch
    assert [s for s, _ in logged[('train', 'loss')]] == [1, 2, 3, 4, 5, 6]
    assert [s for s, _ in logged[('val', 'acc/top1')]] == [1, 2]

    # a second "run" to overlay: the same log with every loss halved
    other = run['tmp'] / 'other'
    shutil.copytree(run['work'], other)
    [scalars] = list(other.glob('*/vis_data/scalars.json'))
    records = [json.loads(line) for line in scalars.read_text().splitlines()]
    for rec in records:
        if 'loss' in rec:
            rec['loss'] /= 2
    scalars.write_text(''.join(json.dumps(r) + '\n' for r in records))

    curves = collect_curves([str(run['work']), str(other)],
                            ['loss', 'acc/top1', 'lr'], ['base', 'half'])
    fig = draw_curves(curves)
    panels = {ax.get_title(): ax for ax in fig.axes if ax.get_visible()}
    assert sorted(panels) == ['acc/top1 (val)', 'loss (train)', 'lr (train)']
    for (mode, key), points in logged.items():
        ax = panels[f'{key} ({mode})']
        lines = {line.get_label(): line.get_xydata() for line in ax.lines}
        expected = np.array(points, dtype=float)
        np.testing.assert_allclose(lines['base'], expected)
        if key == 'loss':
            expected[:, 1] /= 2
        np.testing.assert_allclose(lines['half'], expected)
    assert panels['loss (train)'].get_xlabel() == 'iteration'
    assert panels['acc/top1 (val)'].get_xlabel() == 'epoch'

    out = run['tmp'] / 'curves.png'
    _tool(env, repo_root, 'tools/analysis/plot_curves.py', str(run['work']),
          str(other), '--keys', 'loss', 'acc/top1', 'lr', '--labels', 'base',
          'half', '--out', str(out), '--dpi', '80')
    rgb = _png(out)
    assert rgb.shape == (round(3.2 * 80), round(3 * 5.0 * 80), 3)
    assert rgb.std() > 20  # not blank
    # half the panels show identical lines (C1 drawn over C0)
    assert _colour_pixels(rgb, C0) > 100 and _colour_pixels(rgb, C1) > 300


def test_default_keys_and_missing_key(run):
    keys = {(c.mode, c.key) for c in collect_curves([str(run['work'])])}
    assert ('train', 'loss') in keys and ('val', 'acc/top1') in keys
    assert not any(k in ('time', 'data_time', 'lr') for _, k in keys)
    with pytest.raises(DataError, match="no logged scalar 'acc/top9'"):
        collect_curves([str(run['work'])], ['acc/top9'])


def test_confusion_matrix_of_demo_dump(run, env, repo_root):
    with open(run['dump'], 'rb') as f:
        results = pickle.load(f)
    expected = np.zeros((4, 4), int)
    for r in results:
        expected[int(r['gt_label']), int(torch.argmax(r['pred_score']))] += 1
    assert expected.sum() == 12

    labels = run['tmp'] / 'names.txt'
    labels.write_text('\n'.join(NAMES) + '\n')
    counts = dump_confusions(load_dump(str(run['dump'])),
                             NAMES)['action']['counts']
    np.testing.assert_array_equal(counts, expected)

    out = run['tmp'] / 'cm.png'
    proc = _tool(env, repo_root, 'tools/analysis/confusion_matrix.py',
                 str(run['dump']), '--out', str(out), '--label-file',
                 str(labels))
    assert f'action: {np.trace(expected)}/12 correct' in proc.stdout

    fig = draw_confusion_matrix(expected, NAMES)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == NAMES
    assert [t.get_text() for t in ax.get_yticklabels()] == NAMES
    rgb = _png(out)
    width, height = fig.get_size_inches() * 100
    assert rgb.shape == (round(height), round(width), 3)
    # each cell's colour follows its row fraction: white for 0, dark for 1
    FigureCanvasAgg(fig).draw()
    fractions = expected / expected.sum(1, keepdims=True)
    for (r, c), frac in np.ndenumerate(fractions):
        x, y = ax.transData.transform((c - 0.35, r - 0.35))  # off the text
        pixel = rgb[int(round(height - y)), int(round(x))]
        if frac == 0:
            assert pixel.min() > 235, (r, c, pixel)
        elif frac == 1:
            assert pixel[0] < 40 and pixel[2] > 80, (r, c, pixel)


def _ma52_dump(path, n=300, seed=0, with_body=True):
    """PCAN-style dump: dict scores, noisy around the true classes."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 52, n)
    records = []
    for y in labels:
        score = {k: torch.from_numpy(rng.random(52).astype(np.float32))
                 for k in ('rgb', 'pose')}
        score['rgb'][y] += 0.8
        if with_body:
            for k in ('rgb_coarse', 'pose_coarse'):
                score[k] = torch.from_numpy(rng.random(7).astype(np.float32))
        records.append(dict(pred_score=score if with_body else
                            (score['rgb'] + score['pose']) / 2,
                            gt_label=torch.tensor([y])))
    with open(path, 'wb') as f:
        pickle.dump(records, f)
    return records


def _body(action):
    return next(b for b, (lo, hi) in enumerate(BODY_RANGES)
                if lo <= action <= hi)


@pytest.mark.parametrize('with_body', [True, False])
def test_ma52_action_and_body_matrices(with_body, tmp_path, upstream_dir):
    dump = tmp_path / 'result.pkl'
    records = _ma52_dump(dump, with_body=with_body)
    action = np.zeros((52, 52), int)
    body = np.zeros((7, 7), int)
    for r in records:
        s = r['pred_score']
        y = int(r['gt_label'])
        if with_body:
            pred = int(torch.argmax((s['rgb'] + s['pose']) / 2))
            body_pred = int(torch.argmax((s['rgb_coarse'] +
                                          s['pose_coarse']) / 2))
        else:
            pred = int(torch.argmax(s))
            body_pred = _body(pred)
        action[y, pred] += 1
        body[_body(y), body_pred] += 1

    label_file = f'{upstream_dir}/micro-action/ma52/label_name.txt'
    outs = dict(action=str(tmp_path / 'a.png'), body=str(tmp_path / 'b.png'))
    matrices = plot_confusion_matrices(str(dump), outs, label_file, ma52=True)
    np.testing.assert_array_equal(matrices['action']['counts'], action)
    np.testing.assert_array_equal(matrices['body']['counts'], body)
    names = matrices['action']['names']
    assert len(names) == 52 and names[0] == 'shaking body'
    assert names[51] == 'scratching feet'
    for out in outs.values():
        rgb = _png(out)
        assert rgb.std() > 20
    ticks = draw_confusion_matrix(body, matrices['body']['names']).axes[0]
    assert [t.get_text() for t in ticks.get_yticklabels()][1] == 'B head'


def test_bad_label_file_names_the_file(run, tmp_path):
    labels = tmp_path / 'three.txt'
    labels.write_text('a\nb\nc\n')
    with pytest.raises(DataError, match=r'three\.txt: 3 class names, but '
                       r'the dump .* has 4 classes'):
        plot_confusion_matrices(str(run['dump']),
                                dict(action=str(tmp_path / 'x.png')),
                                str(labels))
    assert not (tmp_path / 'x.png').exists()
    with pytest.raises(DataError, match='MA-52 mode needs 52 classes'):
        plot_confusion_matrices(str(run['dump']), {}, ma52=True)


def test_resumed_run_logs_are_joined(tmp_path):
    """A resume writes a new <timestamp> dir; later values win per step."""
    logs = {'20240101_000000': [dict(loss=3.0, iter=1, epoch=1, step=1),
                                dict(loss=2.0, iter=2, epoch=1, step=2),
                                {'acc/top1': 0.1, 'step': 1}],
            '20240101_010000': [dict(loss=1.5, iter=2, epoch=1, step=2),
                                dict(loss=1.0, iter=3, epoch=2, step=3),
                                {'acc/top1': 0.4, 'step': 2}]}
    for stamp, records in logs.items():
        vis = tmp_path / stamp / 'vis_data'
        vis.mkdir(parents=True)
        (vis / 'scalars.json').write_text(
            ''.join(json.dumps(r) + '\n' for r in records))
    curves = {(c.mode, c.key): c for c in collect_curves([str(tmp_path)])}
    loss = curves[('train', 'loss')]
    assert loss.steps.tolist() == [1, 2, 3]
    assert loss.values.tolist() == [3.0, 1.5, 1.0]
    assert curves[('val', 'acc/top1')].values.tolist() == [0.1, 0.4]


def test_default_outputs_go_to_the_run_not_the_cwd(run, env, repo_root,
                                                   tmp_path):
    """Without --out the curves land in the work dir, the matrices next to
    the dump; nothing is written to the current directory."""
    cwd = tmp_path / 'cwd'
    cwd.mkdir()
    tools = os.path.join(repo_root, 'tools', 'analysis')
    dump = run['tmp'] / 'default.pkl'
    shutil.copy(run['dump'], dump)
    proc = _tool(env, str(cwd), f'{tools}/plot_curves.py', str(run['work']))
    assert str(run['work'] / 'curves.png') in proc.stdout
    proc = _tool(env, str(cwd), f'{tools}/confusion_matrix.py', str(dump))
    assert str(run['tmp'] / 'default_confusion_matrix.png') in proc.stdout
    assert list(cwd.iterdir()) == []
    for png in (run['work'] / 'curves.png',
                run['tmp'] / 'default_confusion_matrix.png'):
        assert _png(png).std() > 20


def test_only_present_classes_are_drawn_with_their_names(tmp_path):
    """A dump that uses 4 of 52 MA-52 classes (12 only as a prediction):
    the matrix shows those 4 (by MA-52 name, with counts in the cells), not
    48 empty rows."""
    records = []
    for label, pred in [(0, 0), (0, 7), (7, 7), (7, 7), (30, 12)]:
        score = torch.zeros(52)
        score[pred] = 1.0
        records.append(dict(pred_score=score, gt_label=torch.tensor([label])))
    dump = tmp_path / 'few.pkl'
    with open(dump, 'wb') as f:
        pickle.dump(records, f)
    matrices = plot_confusion_matrices(
        str(dump), dict(action=str(tmp_path / 'a.png')), ma52=True,
        present_only=True)
    counts, names = matrices['action']['counts'], matrices['action']['names']
    assert names[0] == 'shaking body' and len(names) == 52
    assert present_classes(counts).tolist() == [0, 7, 12, 30]
    fig = draw_confusion_matrix(counts, names, present_only=True)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        names[0], names[7], names[12], names[30]]
    cells = sorted(t.get_text() for t in ax.texts)
    assert cells == ['1', '1', '1', '2']
    assert '4 of 52 classes' in ax.get_title()
    full = draw_confusion_matrix(counts, names).axes[0]
    assert len(full.get_yticklabels()) == 52
    assert _png(tmp_path / 'a.png').std() > 20


def test_top_confusions_largest_first_ties_by_class_id():
    counts = np.array([[5, 2, 0, 2],
                       [3, 1, 0, 0],
                       [0, 2, 0, 1],
                       [0, 0, 0, 0]])
    names = ['a', 'b', 'c', 'd']
    assert top_confusions(counts, names, 10) == [
        (3, 'b', 'a'), (2, 'a', 'b'), (2, 'a', 'd'), (2, 'c', 'b'),
        (1, 'c', 'd')]
    assert top_confusions(counts, names, 2) == [(3, 'b', 'a'), (2, 'a', 'b')]
    assert top_confusions(np.eye(3, dtype=int), names[:3], 5) == []


def test_cli_prints_the_top_confusions(run, env, repo_root, tmp_path):
    proc = _tool(env, repo_root, 'tools/analysis/confusion_matrix.py',
                 str(run['dump']), '--out', str(tmp_path / 'cm.png'),
                 '--top', '3')
    counts = dump_confusions(load_dump(str(run['dump'])))['action']['counts']
    expected = top_confusions(counts, [str(i) for i in range(4)], 3)
    lines = [f'{n:5d}: {t} -> {p}' for n, t, p in expected]
    for line in lines:
        assert line in proc.stdout
    bad = warm_python.run([sys.executable, 'tools/analysis/confusion_matrix.py',
                          str(run['dump']), '--top', '-1'], cwd=repo_root,
                          env=env, text=True, capture_output=True)
    assert bad.returncode == 2 and '--top -1: must be 0 or more' in bad.stderr
