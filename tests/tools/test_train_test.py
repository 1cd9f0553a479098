"""tools/train.py, tools/test.py and tools/dist_train.sh end to end on a tiny config."""
import os.path as osp
import pickle
import re
import sys

import pytest
from helpers import warm_python

CONFIG = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'


def _run(args, env, repo_root, cwd=None):
    return warm_python.run(args, cwd=cwd or repo_root, env=env, text=True,
                           capture_output=True, timeout=300)


def _tool(name, *args):
    return [sys.executable, f'tools/{name}.py', *args]


def test_train_resume_test_dump(tmp_path, skeleton_pickle, skeleton_options,
                                tool_env, repo_root):
    work_dir = str(tmp_path / 'work')
    common = ['--work-dir', work_dir, '--cfg-options',
              *skeleton_options]
    first = _run(_tool('train', CONFIG, *common, 'train_cfg.max_epochs=1'),
                 tool_env, repo_root)
    assert first.returncode == 0, first.stderr[-3000:]
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))

    resumed = _run(_tool('train', CONFIG, '--resume', *common,
                         'train_cfg.max_epochs=2'), tool_env, repo_root)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    log = resumed.stdout + resumed.stderr
    assert re.search(r'resumed epoch: 1, iter: 3', log), log[-3000:]
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))

    dump = str(tmp_path / 'result.pkl')
    tested = _run(_tool('test', CONFIG, osp.join(work_dir, 'epoch_2.pth'),
                        '--dump', dump, *common), tool_env, repo_root)
    assert tested.returncode == 0, tested.stderr[-3000:]
    with open(dump, 'rb') as f:
        results = pickle.load(f)
    with open(skeleton_pickle, 'rb') as f:
        data = pickle.load(f)
    labels = {a['frame_dir']: a['label'] for a in data['annotations']}
    expected = [labels[name] for name in data['split']['val']]
    assert [int(r['gt_label']) for r in results] == expected
    assert all(r['pred_score'].shape == (4, ) for r in results)


def test_dist_train_two_cpu_processes(tmp_path, skeleton_options, tool_env,
                                      repo_root):
    work_dir = tmp_path / 'dist'
    env = dict(tool_env, PYTHON=sys.executable, PORT='29731',
               CUDA_VISIBLE_DEVICES='')
    proc = _run(['bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir',
                 str(work_dir), '--cfg-options',
                 *skeleton_options, 'train_cfg.max_epochs=1'],
                env, repo_root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    # each rank trains on its half: 24 samples, batch 8 -> 2 iterations per rank
    assert re.search(r'Epoch\(train\) \[1\]\[2/2\]', log), log[-3000:]
    assert (work_dir / 'epoch_1.pth').is_file()


@pytest.mark.parametrize('case', ['config', 'checkpoint', 'registry'])
def test_bad_input_gives_one_clear_line(case, tmp_path, skeleton_options,
                                        tool_env, repo_root, reliability):
    if case == 'config':
        args = _tool('train', 'configs/nope.py')
        expected = 'config file configs/nope.py does not exist'
    elif case == 'checkpoint':
        args = _tool('test', CONFIG, str(tmp_path / 'missing.pth'))
        expected = 'missing.pth does not exist'
    else:
        args = _tool('train', CONFIG, '--work-dir', str(tmp_path),
                     '--cfg-options', 'model.backbone.type=NoSuchNet',
                     *skeleton_options)
        expected = 'NoSuchNet is not in the mmaction::model registry'
    proc = _run(args, tool_env, repo_root)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith('error: '), proc.stderr
    assert expected in errors[0]
    assert 'Traceback' not in proc.stderr
    reliability.record('CLI', {'config': 'config file that does not exist',
                               'checkpoint': 'checkpoint that does not exist',
                               'registry': 'unknown type in the config'}[case],
                       errors[0])
