"""A kill -9 at any instant of a checkpoint save leaves a run that resumes
(max_keep_ckpts=1 and save_best rotation; issue 17)."""
import os
import os.path as osp
import signal
import subprocess
import textwrap
import time
import zipfile

import pytest
import torch

from mmaction2_ext.engine.hooks import SafeCheckpointHook
from mmaction2_ext.engine.last_checkpoint import find_latest_checkpoint
from helpers import train_cmd, warm_python

EPOCHS = 5  # a new best at epoch 4 with this data and seed

# Loaded by every Python of the training subprocess (PYTHONPATH): the first
# fsync or removal of a path matching STALL_AT (once the file STALL_AFTER
# exists, if given) writes STALL_MARKER and hangs, so the test can kill -9
# right there.
STALL_SITECUSTOMIZE = textwrap.dedent('''
    import os, re, time
    _pattern = os.environ.get('STALL_AT')

    def _stall_if_matching(path):
        if not re.search(_pattern, os.path.basename(path)):
            return
        after = os.environ.get('STALL_AFTER')
        if after and not os.path.exists(after):
            return
        open(os.environ['STALL_MARKER'], 'w').close()
        time.sleep(600)

    if _pattern:
        _fsync, _remove = os.fsync, os.remove

        def fsync(fd):
            _stall_if_matching(os.readlink(f'/proc/self/fd/{fd}'))
            return _fsync(fd)

        def remove(path, *args, **kwargs):
            _stall_if_matching(os.fspath(path))
            return _remove(path, *args, **kwargs)

        os.fsync, os.remove = fsync, remove
''')

# (what is being written or removed when the kill lands, after which file)
KILL_POINTS = {
    'writing epoch_4.pth': (r'^\.epoch_4\.pth\..*\.tmp$', None),
    'writing last_checkpoint': (r'^\.last_checkpoint\..*\.tmp$',
                                'epoch_4.pth'),
    'removing epoch_3.pth': (r'^epoch_3\.pth$', 'epoch_4.pth'),
    'writing the new best': (r'^\.best_acc_top1_epoch_4\.pth\..*\.tmp$',
                             'epoch_4.pth'),
    'removing the old best': (r'^best_acc_top1_epoch_1\.pth$',
                              'best_acc_top1_epoch_4.pth'),
}


def _train_cmd(work_dir, ann_file, *extra):
    return train_cmd(work_dir, ann_file, *extra, options=(
        f'train_cfg.max_epochs={EPOCHS}',
        'default_hooks.checkpoint.max_keep_ckpts=1',
        'default_hooks.checkpoint.save_best=acc/top1'))


def _weights(path):
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory, training_pickle, repo_root):
    work_dir = str(tmp_path_factory.mktemp('straight'))
    run = warm_python.run(_train_cmd(work_dir, training_pickle), cwd=repo_root,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=repo_root))
    assert run.returncode == 0, run.stderr[-3000:]
    assert 'is saved to best_acc_top1_epoch_4.pth' in run.stdout, \
        'the data no longer gives a new best at epoch 4: adjust KILL_POINTS'
    return work_dir


def _kill_at(point, work_dir, cmd, env, repo_root, tmp_path):
    pattern, after = KILL_POINTS[point]
    marker = tmp_path / 'stalled'
    stall_dir = tmp_path / 'stall'
    stall_dir.mkdir()
    (stall_dir / 'sitecustomize.py').write_text(STALL_SITECUSTOMIZE)
    env = dict(env, STALL_AT=pattern, STALL_MARKER=str(marker),
               STALL_AFTER=osp.join(work_dir, after) if after else '',
               PYTHONPATH=os.pathsep.join([str(stall_dir), env['PYTHONPATH']]))
    proc = warm_python.Popen(cmd, cwd=repo_root, env=env,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while not marker.exists():
        assert proc.poll() is None, f'the run ended before {point}'
        assert time.time() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.mark.parametrize('point', list(KILL_POINTS))
def test_kill_9_during_a_save_then_resume(point, tmp_path, training_pickle,
                                          uninterrupted, tool_env, repo_root,
                                          reliability):
    work_dir = str(tmp_path / 'work')
    _kill_at(point, work_dir, _train_cmd(work_dir, training_pickle), tool_env,
             repo_root, tmp_path)
    assert not osp.exists(osp.join(work_dir, f'epoch_{EPOCHS}.pth'))

    resumed = warm_python.run(
        _train_cmd(work_dir, training_pickle, '--resume'), cwd=repo_root,
        env=tool_env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    log = resumed.stdout + resumed.stderr
    assert 'resumed epoch' in log, log[-3000:]
    reliability.record('resume', f'kill -9 while {point} (max_keep_ckpts=1, '
                       'save_best)', next(line for line in log.splitlines()
                                         if 'resumed epoch' in line))

    expected = _weights(osp.join(uninterrupted, f'epoch_{EPOCHS}.pth'))
    got = _weights(osp.join(work_dir, f'epoch_{EPOCHS}.pth'))
    assert expected.keys() == got.keys()
    for key in expected:
        assert torch.equal(expected[key], got[key]), key
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read() == osp.join(work_dir, f'epoch_{EPOCHS}.pth')
    best = [f for f in os.listdir(work_dir) if f.startswith('best_')]
    assert best and all(zipfile.is_zipfile(osp.join(work_dir, f))
                        for f in best)
    assert not [f for f in os.listdir(work_dir) if f.endswith('.tmp')]
    # nothing left behind: no checkpoint whose removal the kill stopped
    assert _files(work_dir) == _files(uninterrupted)


def _files(work_dir):
    """The files (checkpoints, last_checkpoint) directly in ``work_dir``;
    the per-launch log folders differ by name."""
    return sorted(f for f in os.listdir(work_dir)
                  if osp.isfile(osp.join(work_dir, f)))


@pytest.mark.parametrize('resumed', [True, False])
def test_resume_removes_only_what_rotation_drops(resumed, tmp_path):
    """Left by kills: epoch_1..4 (max_keep_ckpts=2 keeps 5, 6) and an old
    best. A resume removes them, but never the file it resumed from
    (epoch_2), the current best, a later best (of a run that went on) or
    files of other names; a fresh run in the same folder removes nothing."""
    from types import SimpleNamespace

    from mmengine.logging import MessageHub, MMLogger
    ours = [f'epoch_{i}.pth' for i in range(1, 7)] + [
        'best_acc_top1_epoch_1.pth', 'best_acc_top1_epoch_3.pth',
        'best_acc_top1_epoch_7.pth']
    others = ['epoch_3_backup.pth', 'best_model.pth', 'iter_2.pth', 'notes']
    for name in ours + others:
        (tmp_path / name).write_bytes(b'x')
    hub = MessageHub(f'rotation-{resumed}')
    if resumed:
        hub.update_info('keep_ckpt_ids', [5, 6])
        hub.update_info('best_ckpt',
                        str(tmp_path / 'best_acc_top1_epoch_3.pth'))
    runner = SimpleNamespace(
        work_dir=str(tmp_path), message_hub=hub,
        logger=MMLogger.get_instance('rotation-test'),
        _resumed_from=str(tmp_path / 'epoch_2.pth') if resumed else None)
    hook = SafeCheckpointHook(interval=1, max_keep_ckpts=2,
                              save_best='acc/top1')
    hook.before_train(runner)
    left = sorted(os.listdir(tmp_path))
    if resumed:
        assert left == sorted(others + [
            'epoch_2.pth', 'epoch_5.pth', 'epoch_6.pth',
            'best_acc_top1_epoch_3.pth', 'best_acc_top1_epoch_7.pth'])
    else:
        assert left == sorted(ours + others)


def _complete_checkpoint(path):
    torch.save({'state_dict': {}}, path)
    return str(path)


@pytest.mark.parametrize('marker', ['missing', 'empty', 'dangling',
                                    'truncated target'])
def test_resume_falls_back_to_the_newest_complete_checkpoint(
        marker, tmp_path, capsys):
    _complete_checkpoint(tmp_path / 'epoch_2.pth')
    _complete_checkpoint(tmp_path / 'epoch_10.pth')
    (tmp_path / 'epoch_11.pth').write_bytes(b'PK\x03\x04 half a zip')
    (tmp_path / 'best_acc_top1_epoch_12.pth').write_bytes(b'')
    content = {'missing': None, 'empty': '',
               'dangling': str(tmp_path / 'epoch_12.pth'),
               'truncated target': str(tmp_path / 'epoch_11.pth')}[marker]
    if content is not None:
        (tmp_path / 'last_checkpoint').write_text(content)
    assert find_latest_checkpoint(str(tmp_path)) == str(tmp_path /
                                                        'epoch_10.pth')


def test_resume_keeps_a_valid_last_checkpoint(tmp_path):
    _complete_checkpoint(tmp_path / 'epoch_3.pth')
    named = _complete_checkpoint(tmp_path / 'epoch_2.pth')
    (tmp_path / 'last_checkpoint').write_text(named + '\n')
    assert find_latest_checkpoint(str(tmp_path)) == named


def test_nothing_to_resume_from(tmp_path):
    assert find_latest_checkpoint(str(tmp_path)) is None
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_1.pth'))
    assert find_latest_checkpoint(str(tmp_path)) is None


def test_a_new_run_removes_only_unfinished_saves(tmp_path, repo_root):
    """The temporary files of saves a kill interrupted go at the next
    start (the hook the runtime config selects); other files stay."""
    from types import SimpleNamespace

    from mmengine.config import Config
    from mmengine.logging import MessageHub, MMLogger
    from mmaction.registry import HOOKS
    unfinished = ['.epoch_3.pth.k2j4x9.tmp', '.iter_40.pth.a1.tmp',
                  '.best_acc_top1_epoch_2.pth.zz.tmp',
                  '.last_checkpoint.q7.tmp']
    kept = ['epoch_2.pth', '.notes.tmp', '.epoch_3.pth.tmp',
            'epoch_3.pth.k2j4x9.tmp', '.epoch_x.pth.k2.tmp', 'last_checkpoint']
    for name in unfinished + kept:
        (tmp_path / name).write_bytes(b'x')
    cfg = Config.fromfile(osp.join(repo_root,
                                   'configs/_base_/default_runtime.py'))
    hook = HOOKS.build(dict(cfg.default_hooks.checkpoint, max_keep_ckpts=1,
                            save_best='acc/top1'))
    runner = SimpleNamespace(
        work_dir=str(tmp_path), message_hub=MessageHub('unfinished-saves'),
        logger=MMLogger.get_instance('unfinished-saves'), _resumed_from=None)
    hook.before_train(runner)
    assert sorted(os.listdir(tmp_path)) == sorted(kept)
