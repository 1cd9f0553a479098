"""Interrupted training loses nothing: atomic saves, NaN guard (kill -9 +
resume: test_exact_resume.py)."""
import os
import os.path as osp
import signal
import sys
import textwrap

import pytest
import torch

from mmaction2_ext.utils import atomic_write
from helpers import TINY_CONFIG as CONFIG
from helpers import train_cmd, warm_python


def _train_cmd(work_dir, ann_file, *extra, config=CONFIG):
    return train_cmd(work_dir, ann_file, *extra, config=config, options=(
        'train_cfg.max_epochs=4', 'default_hooks.checkpoint.save_best=None'))


def _weights(path):
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


def test_nan_loss_stops_with_message_and_keeps_last_good_checkpoint(
        tmp_path, training_pickle, tool_env, repo_root):
    work_dir = str(tmp_path / 'nan')
    # A sane first epoch, then an absurd learning rate from epoch 2 on.
    config = tmp_path / 'diverging.py'
    config.write_text(
        f"_base_ = {osp.join(repo_root, CONFIG)!r}\n"
        "param_scheduler = [dict(type='MultiStepLR', milestones=[1], "
        "gamma=1e15, by_epoch=True)]\n")
    cmd = _train_cmd(work_dir, training_pickle, config=str(config))
    proc = warm_python.run(cmd, cwd=repo_root, env=tool_env,
                           capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    error = proc.stderr.strip().splitlines()[-1]
    assert error.startswith('error: loss became')
    assert 'epoch 2' in error and 'epoch_1.pth' in error
    assert not osp.exists(osp.join(work_dir, 'epoch_2.pth'))
    weights = _weights(osp.join(work_dir, 'epoch_1.pth'))
    assert all(torch.isfinite(w).all() for w in weights.values()
               if w.is_floating_point())


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / 'latest.pth'
    target.write_bytes(b'good checkpoint')
    with pytest.raises(RuntimeError):
        with atomic_write(str(target)) as f:
            f.write(b'half')
            raise RuntimeError('crash during save')
    assert target.read_bytes() == b'good checkpoint'
    assert os.listdir(tmp_path) == ['latest.pth']


def test_kill_during_checkpoint_save_leaves_previous_file(tmp_path, tool_env,
                                                          repo_root):
    target = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {'w': torch.ones(3)}}, target)
    script = textwrap.dedent(f'''
        import os, signal
        import mmaction2_ext
        from mmengine.fileio import get_file_backend
        # the backend SafeCheckpointHook saves through
        backend = get_file_backend({str(target)!r},
                                   backend_args=dict(backend='atomic_local'))
        # die in the middle of mmengine's checkpoint write
        import mmaction2_ext.utils.io as io
        io.os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
        backend.put(b'x' * 1000, {str(target)!r})
    ''')
    proc = warm_python.run([sys.executable, '-c', script], cwd=repo_root,
                           env=tool_env, capture_output=True, text=True,
                           timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert torch.equal(_weights(target)['w'], torch.ones(3))


def test_atomic_write_follows_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_write(str(tmp_path / 'x.pkl')) as f:
            f.write(b'1')
    finally:
        os.umask(old)
    assert (tmp_path / 'x.pkl').stat().st_mode & 0o777 == 0o644
