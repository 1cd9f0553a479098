"""tools/analysis/eval_metric.py scores a ``tools/test.py --dump`` to the
metrics tools/test.py logged for that run, for every method's evaluator
(AccMetric top-k, MA-52, HAAN mAP); dumps of another config are refused."""
import os
import os.path as osp
import pickle
import re
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmaction2_ext.apis import init_model
from mmaction2_ext.datasets.class_vectors import random_class_vectors
from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from mmaction2_ext.evaluation.offline import evaluate_dump, metric_line
from helpers import warm_python

TOOL = 'tools/analysis/eval_metric.py'
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
TIME_KEYS = ('data_time', 'time')


def _pairs(text):
    """``{key: value}`` of a ``key: value  key: value`` metric line."""
    return {k: v for k, v in re.findall(r'(\S+): (\S+)', text)
            if k not in TIME_KEYS}


def _test_log_metrics(log):
    line = [x for x in log.splitlines() if 'Epoch(test)' in x][-1]
    return _pairs(line.split(']', 1)[1])


def _skeleton(out, layout):
    data = write_skeleton_pickle(str(out / 'data.pkl'), layout, num_classes=4,
                                 samples_per_class=(1, 2, 1), seed=2)
    return dict(ann_file=data), {'model.cls_head.num_classes': 4}


def _miga(out):
    dataset, options = _skeleton(out, 'imigue')
    np.save(out / 'vectors.npy', random_class_vectors(4))
    return dataset, {**options,
                     'model.cls_head.class_vectors': str(out / 'vectors.npy')}


def _haan(out):
    info = make_haan_dataset(str(out / 'data'), num_train=8, num_test=4,
                             seed=1)
    return dict(ann_dir=info['ann_dir'], features=info['features'],
                num_training_videos=8), {
                    'model.fine_to_coarse': info['fine_to_coarse']}


def _pcan(out):
    root = out / 'ma52'
    make_ma52(str(root), classes=(0, 11), samples_per_class=(1, 1, 1),
              size=64, frames=(40, 44))
    # the val split: MA-52's test labels are hidden (no metric to compare)
    return {}, {
        'test_dataloader.dataset.ann_file':
        str(root / 'MA-52_openpose_28kp' / 'MA52_val.pkl'),
        'test_dataloader.dataset.list_file':
        str(root / 'annotations' / 'val_list_videos.txt'),
        'test_dataloader.dataset.labels_hidden': False,
        'test_dataloader.dataset.data_prefix':
        dict(video=str(root / 'raw_videos') + '/')}


CASES = {
    'stgcn': ('configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py',
              lambda out: _skeleton(out, 'coco')),
    'protogcn': ('configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d.py',
                 lambda out: _skeleton(out, 'ntu')),
    'miga': ('configs/miga/'
             'slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint.py',
             _miga),
    'pcan': ('configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py', _pcan),
    'haan': ('configs/haan/haan_1xb4-10e_synthetic-feat.py', _haan),
}


def _run(repo_root, env, *args):
    return warm_python.run([sys.executable, *args], cwd=repo_root, env=env,
                           capture_output=True, text=True, timeout=600)


_RUNS = {}


def _tested_run(name, tmp_path_factory, repo_root):
    """(config, dump, metrics tools/test.py logged) of a random model of
    case ``name``; run once per module."""
    if name in _RUNS:
        return _RUNS[name]
    config, data = CASES[name]
    out = tmp_path_factory.mktemp(name)
    dataset, options = data(out)
    cfg = Config.fromfile(osp.join(repo_root, config))
    for loader in LOADERS:
        cfg[loader].dataset.update(dataset)
    cfg.merge_from_dict(options)
    config = str(out / 'config.py')
    cfg.dump(config)
    torch.manual_seed(0)
    ckpt = str(out / 'random.pth')
    torch.save(dict(state_dict=init_model(config).state_dict()), ckpt)
    dump = str(out / 'dump.pkl')
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=repo_root)
    proc = _run(repo_root, env, 'tools/test.py', config, ckpt, '--dump',
                dump, '--work-dir', str(out / 'work'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    _RUNS[name] = dict(case=name, config=config, dump=dump,
                       logged=_test_log_metrics(proc.stdout + proc.stderr))
    return _RUNS[name]


@pytest.fixture(params=sorted(CASES))
def tested_run(request, tmp_path_factory, repo_root):
    return _tested_run(request.param, tmp_path_factory, repo_root)


def test_rescoring_prints_what_test_logged(tested_run):
    cfg = Config.fromfile(tested_run['config'])
    metrics = evaluate_dump(cfg, tested_run['config'], tested_run['dump'])
    logged = tested_run['logged']
    main = {'stgcn': 'acc/top1', 'protogcn': 'acc/top1', 'miga': 'acc/top1',
            'pcan': 'ma52/F1_mean', 'haan': 'haan/avg_mAP'}
    assert main[tested_run['case']] in logged
    assert _pairs(metric_line(metrics)) == logged


def test_cli_prints_the_metric_line(tmp_path_factory, repo_root, tool_env):
    tested_run = _tested_run('stgcn', tmp_path_factory, repo_root)
    proc = _run(repo_root, tool_env, TOOL, tested_run['config'],
                tested_run['dump'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _pairs(proc.stdout) == tested_run['logged']
    # the evaluator is the config's: --cfg-options changes it
    proc = _run(repo_root, tool_env, TOOL, tested_run['config'],
                tested_run['dump'], '--cfg-options',
                'test_evaluator.0.metric_list=mean_class_accuracy')
    assert list(_pairs(proc.stdout)) == ['acc/mean1'], proc.stderr[-2000:]


def _one_error(proc):
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr[-3000:]
    assert lines[0].startswith('error: ')
    return lines[0]


def _bad_case(case, tmp_path, run):
    """(arguments, text the error line must hold) of a mistake."""
    if case == 'missing config':
        return [str(tmp_path / 'none.py'), str(tmp_path / 'none.pkl')], \
            'config file <tmp>/none.py does not exist'
    stgcn = run('stgcn')
    if case == 'missing dump':
        return [stgcn['config'], str(tmp_path / 'none.pkl')], \
            'dump file <tmp>/none.pkl does not exist'
    if case == 'dump of a skeleton model scored as PCAN':
        return [run('pcan')['config'], stgcn['dump']], \
            "[sample 0, field 'pred_score']: 4 class scores, but the model " \
            'of <tmp>'
    if case == 'HAAN dump scored as a recognizer':
        return [stgcn['config'], run('haan')['dump']], \
            "[sample 0, field 'pred_score']: AccMetric needs this field"
    if case == 'HAAN dump with labels beyond the classes':
        with open(run('haan')['dump'], 'rb') as f:
            records = pickle.load(f)
        for r in records:
            r['gt_labels'] = [50] * len(r['gt_labels'])
        path = tmp_path / 'haan.pkl'
        with open(path, 'wb') as f:
            pickle.dump(records, f)
        return [run('haan')['config'], str(path)], \
            'haan.pkl: HAANDetectionMetric cannot score it (ValueError(' \
            '"ground truth'
    assert case == 'dump with another class count'
    with open(stgcn['dump'], 'rb') as f:
        records = pickle.load(f)
    for r in records:
        r['pred_score'] = r['pred_score'][:3]
    path = tmp_path / 'three.pkl'
    with open(path, 'wb') as f:
        pickle.dump(records, f)
    return [stgcn['config'], str(path)], \
        "three.pkl [sample 0, field 'pred_score']: 3 class scores, but the " \
        'model of'


@pytest.mark.parametrize('case', [
    'missing config', 'missing dump', 'dump with another class count',
    'dump of a skeleton model scored as PCAN',
    'HAAN dump scored as a recognizer',
    'HAAN dump with labels beyond the classes'])
def test_bad_input_is_one_error_line(case, tmp_path, tmp_path_factory,
                                     repo_root, tool_env, reliability):
    args, expected = _bad_case(
        case, tmp_path,
        lambda name: _tested_run(name, tmp_path_factory, repo_root))
    line = _one_error(_run(repo_root, tool_env, TOOL, *args))
    # this test's own folder, then the other pytest folders (with or
    # without pytest-xdist's popen-gwN level)
    shown = re.sub(r'/\S*pytest-\d+(?:/popen-gw\d+)?/[^/\s]+', '<tmp>',
                   line.replace(str(tmp_path), '<tmp>'))
    assert expected in shown, line
    reliability.record('CLI', f'eval_metric.py: {case}', line)
