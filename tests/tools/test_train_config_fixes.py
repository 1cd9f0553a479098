"""tools/train.py on settings a researcher trips over (issue 30, items 2, 3
and 5): each gives a clear line instead of a traceback or silence."""
import os.path as osp
import sys

from mmengine.config import Config

from mmaction2_ext.utils.download import WEIGHT_FILES
from helpers import warm_python

CONFIG = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'
PCAN = 'configs/pcan/pcan_rgbpose_ma52.py'


def _train(tmp_path, options, env, repo_root):
    return warm_python.run(
        [sys.executable, 'tools/train.py', CONFIG, '--work-dir',
         str(tmp_path / 'work'), '--cfg-options', 'train_cfg.max_epochs=1',
         *options], cwd=repo_root, env=dict(env, OMP_NUM_THREADS='1'),
        capture_output=True, text=True, timeout=300)


def test_num_workers_0_turns_persistent_workers_off(
        tmp_path, skeleton_options, tool_env, repo_root, reliability):
    """PyTorch refuses persistent workers without workers (ValueError
    traceback); the user's num_workers=0 wins, and the log says so."""
    proc = _train(tmp_path, [*skeleton_options, 'train_dataloader.num_workers=0',
                             'train_dataloader.persistent_workers=True'],
                  tool_env, repo_root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(line for line in proc.stdout.splitlines()
                if 'train_dataloader.persistent_workers' in line and
                'added by mmaction2_ext' in line)
    assert 'turned off' in line and 'num_workers is 0' in line
    assert osp.isfile(tmp_path / 'work' / 'epoch_1.pth')
    reliability.record('config', 'num_workers=0 with persistent_workers=True',
                       line.split(' - ')[-1])


def test_a_run_ending_before_its_first_validation_says_so(
        tmp_path, skeleton_options, tool_env, repo_root):
    proc = _train(tmp_path, [*skeleton_options, 'train_cfg.val_begin=2'],
                  tool_env, repo_root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert log.count('no validation in this run') == 1
    assert 'ends at epoch 1, before train_cfg.val_begin=2' in log
    assert 'Epoch(val)' not in log
    # a run that validates does not say it
    proc = _train(tmp_path, skeleton_options, tool_env, repo_root)
    assert 'Epoch(val)' in proc.stdout
    assert 'no validation in this run' not in proc.stdout + proc.stderr


def test_missing_init_weights_say_how_to_get_them(
        tmp_path, skeleton_options, tool_env, repo_root, reliability):
    """PCAN's init (the full config's load_from) is absent until
    downloaded or merged: the error says how to get it or go without."""
    init = Config.fromfile(osp.join(repo_root, PCAN)).load_from
    missing = str(tmp_path / 'checkpoints' / osp.basename(init))
    proc = _train(tmp_path, [*skeleton_options, f'load_from={missing}'],
                  tool_env, repo_root)
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr
    error = proc.stderr.strip().splitlines()[-1]
    assert error.startswith(f'error: load_from {missing}: no such file')
    assert 'tools/download.py --what weights' in error
    assert 'tools/merge_pretrain.py' in error
    assert error.endswith('use --cfg-options load_from=None')
    assert WEIGHT_FILES[osp.basename(init)] in error
    reliability.record('checkpoint', 'PCAN init weights not downloaded '
                       '(load_from)', error)
