"""Kill -9 a real ``tools/train.py`` run between checkpoints, resume it, and
compare it with an uninterrupted run (shared by the per-method tests)."""
import os.path as osp
import signal
import subprocess
import time

import torch

import helpers


def train_cmd(config, work_dir, options, *extra):
    """``tools/train.py`` with a fixed seed, deterministic, 2 epochs (unless
    ``options`` say otherwise), a checkpoint each epoch and no best-checkpoint
    (its metric may not exist that early)."""
    return helpers.train_cmd(
        work_dir, None, *extra, config=config, options=(
            'train_cfg.max_epochs=2', 'default_hooks.checkpoint.interval=1',
            'default_hooks.checkpoint.save_best=None', *options))


def named_checkpoint(work_dir):
    """The file ``last_checkpoint`` names, once it is written and exists."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        path = f.read().strip()
    return path if path and osp.isfile(path) else None


def _finish(proc):
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    return out + err


def _start(cmd, cwd, env):
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def kill_after_first_checkpoint(cmd, work_dir, cwd, env):
    """Run ``cmd``; SIGKILL it as soon as its first checkpoint is complete."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while named_checkpoint(work_dir) is None:
        assert proc.poll() is None, 'the run ended before its first checkpoint'
        assert time.time() < deadline, 'no checkpoint within 300 s'
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def straight_and_resumed(config, options, tmp_path, cwd, env):
    """Last checkpoints ``(uninterrupted, killed after epoch 1 + resumed)``;
    the uninterrupted run goes on beside the other one."""
    straight, broken = str(tmp_path / 'straight'), str(tmp_path / 'broken')
    uninterrupted = _start(train_cmd(config, straight, options), cwd, env)
    try:
        kill_after_first_checkpoint(train_cmd(config, broken, options),
                                    broken, cwd, env)
        killed_at = named_checkpoint(broken)
        resumed = _finish(_start(train_cmd(config, broken, options,
                                           '--resume'), cwd, env))
        assert 'resumed epoch' in resumed
        _finish(uninterrupted)
    finally:
        if uninterrupted.poll() is None:
            uninterrupted.kill()
            uninterrupted.communicate()
    final = [named_checkpoint(d) for d in (straight, broken)]
    assert osp.basename(final[0]) == osp.basename(final[1]) != \
        osp.basename(killed_at), 'the run finished before the kill'
    return [torch.load(path, map_location='cpu', weights_only=False)
            for path in final]


def assert_identical(expected, got, where='checkpoint'):
    """Same nested structure, every tensor ``torch.equal``."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, torch.Tensor) and torch.equal(expected, got), \
            where
    elif isinstance(expected, dict):
        assert expected.keys() == got.keys(), where
        for key in expected:
            assert_identical(expected[key], got[key], f'{where}/{key}')
    elif isinstance(expected, (list, tuple)):
        assert len(expected) == len(got), where
        for i, (a, b) in enumerate(zip(expected, got)):
            assert_identical(a, b, f'{where}/{i}')
    else:
        assert expected == got, where
