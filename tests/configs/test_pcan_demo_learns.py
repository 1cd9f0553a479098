"""The tiny demo config learns the synthetic MA-52 set on CPU (the chain of
``make demo``: train, test --dump, submission), and the training curves and
MA-52 confusion matrices of that run. About 1.5 CPU minutes.

Six (data seed, training seed) pairs gave val action top-1 0.84-1.0, body
top-1 0.91-1.0 and test action top-1 0.84-1.0 (chance 0.125); seed 0/0,
the one run here, 1.0 on all of them. The bars of 0.75 leave a margin of at
least 3 of the 32 clips."""
import glob
import json
import os
import os.path as osp
import pickle
import sys

import numpy as np
import pytest
from matplotlib.image import imread
from mmengine.config import Config
from mmengine.evaluator import DumpResults

from mmaction2_ext.apis import build_runner
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.datasets.ma52_labels import action_to_body
from mmaction2_ext.submission.ma52 import make_submission, score_prediction_csv
from mmaction2_ext.utils import DataError
from mmaction2_ext.visualization import (collect_curves, draw_curves,
                                         dump_confusions, load_dump)
from helpers import warm_python

CONFIG = 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py'


def test_demo_config_learns(tmp_path, repo_root, monkeypatch, single_thread):
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    data = tmp_path / 'ma52'
    make_ma52(str(data), seed=0)
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    root = str(data) + '/'
    for split, loader in (('train', cfg.train_dataloader), ('val', cfg.val_dataloader),
                          ('test', cfg.test_dataloader)):
        loader.dataset.ann_file = f'{root}MA-52_openpose_28kp/MA52_{split}.pkl'
        loader.dataset.data_prefix = dict(video=f'{root}raw_videos/')
    cfg.test_dataloader.dataset.list_file = f'{root}annotations/test_list_videos.txt'
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=0)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    runner = build_runner(cfg)
    runner.train()
    val_dump = str(tmp_path / 'val.pkl')
    runner.val_evaluator.metrics.append(DumpResults(out_file_path=val_dump))
    metrics = runner.val_loop.run()
    # 8 classes (chance 0.125), 7 body parts among them
    assert metrics['ma52/action_top1'] >= 0.75, metrics
    assert metrics['ma52/body_top1'] >= 0.75, metrics

    dump = str(tmp_path / 'result.pkl')
    runner.test_evaluator.metrics.append(DumpResults(out_file_path=dump))
    runner.test_loop.run()
    csv_path, zip_path = str(tmp_path / 'prediction.csv'), str(tmp_path / 'sub.zip')
    assert make_submission(dump, f'{root}annotations/test_list_videos.txt',
                           csv_path, zip_path) == 32
    scores = score_prediction_csv(csv_path, f'{root}annotations/test_list_videos_gt.txt')
    assert scores['action_top1'] >= 0.75, scores
    assert scores['body_top1'] >= 0.75, scores
    assert os.path.getsize(zip_path) > 0
    _check_dump_order_is_by_name(dump, f'{root}annotations/test_list_videos.txt',
                                 tmp_path)
    _check_plots(cfg.work_dir, val_dump, repo_root, tmp_path)


def _check_dump_order_is_by_name(dump, test_list, tmp_path):
    """The dump names its videos: a reordered one is refused by name."""
    with open(dump, 'rb') as f:
        records = pickle.load(f)
    names = [line.split()[0] for line in open(test_list)]
    assert [osp.basename(r['frame_dir']) + '.mp4' for r in records] == names
    records[0], records[1] = records[1], records[0]
    swapped = tmp_path / 'swapped.pkl'
    swapped.write_bytes(pickle.dumps(records))
    with pytest.raises(DataError, match=names[1]):
        make_submission(str(swapped), test_list, str(tmp_path / 'x.csv'),
                        str(tmp_path / 'x.zip'))


def _check_plots(work_dir, val_dump, repo_root, tmp_path):
    """plot_curves and the MA-52 confusion matrices on this real run."""
    env = dict(os.environ, PYTHONPATH=repo_root)
    [scalars] = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    logged = [json.loads(line) for line in open(scalars)]
    # a step logged twice (the extra val run above at the last epoch): the
    # later record is plotted
    f1 = sorted({r['step']: r['ma52/F1_mean'] for r in logged
                 if 'ma52/F1_mean' in r}.items())
    loss = sorted({r['step']: r['loss'] for r in logged if 'loss' in r}.items())
    assert len(f1) >= 2 and len(loss) >= 5
    panels = {ax.get_title(): ax for ax in draw_curves(collect_curves(
        [work_dir], ['loss', 'ma52/F1_mean'])).axes if ax.get_visible()}
    np.testing.assert_allclose(
        panels['ma52/F1_mean (val)'].lines[0].get_xydata(), f1)
    np.testing.assert_allclose(panels['loss (train)'].lines[0].get_xydata(), loss)
    curves = tmp_path / 'curves.png'
    warm_python.run([sys.executable, 'tools/analysis/plot_curves.py', work_dir,
                    '--keys', 'loss', 'ma52/F1_mean', '--out', str(curves)],
                    cwd=repo_root, env=env, check=True, capture_output=True)
    assert imread(str(curves))[..., :3].std() > 0.05  # not blank

    # expected matrices counted here, straight from the val dump
    with open(val_dump, 'rb') as f:
        records = pickle.load(f)
    gt = np.array([int(r['gt_label']) for r in records])
    scores = {k: np.stack([r['pred_score'][k].numpy() for r in records])
              for k in ('rgb', 'pose', 'rgb_coarse', 'pose_coarse')}
    action = np.zeros((52, 52), int)
    np.add.at(action, (gt, (scores['rgb'] + scores['pose']).argmax(1)), 1)
    body = np.zeros((7, 7), int)
    np.add.at(body, (action_to_body(gt),
                     (scores['rgb_coarse'] + scores['pose_coarse']).argmax(1)), 1)
    matrices = dump_confusions(load_dump(val_dump), ma52=True)
    np.testing.assert_array_equal(matrices['action']['counts'], action)
    np.testing.assert_array_equal(matrices['body']['counts'], body)
    cm = tmp_path / 'cm.png'
    proc = warm_python.run([sys.executable, 'tools/analysis/confusion_matrix.py',
                           val_dump, '--ma52', '--out', str(cm)], cwd=repo_root,
                           env=env, check=True, capture_output=True, text=True)
    assert f'action: {np.trace(action)}/32 correct' in proc.stdout
    assert f'body: {np.trace(body)}/32 correct' in proc.stdout
    for png in (cm, tmp_path / 'cm_body.png'):
        assert imread(str(png))[..., :3].std() > 0.05
