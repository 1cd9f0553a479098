"""``tools/train.py --resume PATH`` continues from PATH whatever
``--cfg-options`` say, on every method's tiny config after a real kill -9;
a run that would not continue from PATH stops before training (issue 30,
item 1)."""
import re
from types import SimpleNamespace

import pytest

from kill_resume import (CASES, kill_after_first_checkpoint, named_checkpoint,
                         train_cmd)
from mmaction2_ext.compat import CheckpointError
from mmaction2_ext.engine.hooks import ResumeCheckHook
from helpers import warm_python

METHODS = ('stgcn_demo', 'protogcn', 'miga', 'pcan', 'haan')


@pytest.mark.parametrize('method', METHODS)
def test_resume_path_wins_over_cfg_options(method, tmp_path, tool_env,
                                           repo_root):
    data = tmp_path / 'data'
    data.mkdir()
    config, options = CASES[method](data)
    env = dict(tool_env, OMP_NUM_THREADS='1')
    work_dir = str(tmp_path / 'work')
    kill_after_first_checkpoint(train_cmd(config, work_dir, options),
                                work_dir, repo_root, env)
    killed_at = named_checkpoint(work_dir)
    epoch = int(re.search(r'epoch_(\d+)\.pth$', killed_at).group(1))
    # issue 30: the PCAN config needs load_from=None while its init is absent
    cmd = train_cmd(config, work_dir, [*options, 'load_from=None',
                                       'resume=False'], '--resume', killed_at)
    proc = warm_python.run(cmd, cwd=repo_root, env=env, capture_output=True,
                           text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert f'Load checkpoint from {killed_at}' in log
    assert f'resumed epoch: {epoch},' in log
    assert not re.search(r'Epoch\(train\)\s+\[1\]\[', log), \
        'training restarted from epoch 1'


def _runner(resumed_from='absent'):
    runner = SimpleNamespace()
    if resumed_from != 'absent':
        runner._resumed_from = resumed_from
    return runner


@pytest.mark.parametrize('runner, problem', [
    (_runner(None), 'it did not resume'),
    (_runner('work/epoch_2.pth'), 'it resumed from work/epoch_2.pth'),
    (_runner(), 'does not record what it resumed from')],
    ids=['no resume', 'another checkpoint', 'another runner'])
def test_resume_check_stops_a_run_that_did_not_resume_from_the_path(
        runner, problem, reliability):
    with pytest.raises(CheckpointError) as err:
        ResumeCheckHook('work/epoch_1.pth').before_train(runner)
    assert str(err.value).startswith('--resume work/epoch_1.pth: training '
                                     'would not continue from this checkpoint')
    assert problem in str(err.value)
    reliability.record('resume', f'--resume PATH, but {problem}',
                       f'error: {err.value}')


def test_resume_check_passes_the_resumed_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ResumeCheckHook('work/epoch_1.pth').before_train(
        _runner(str(tmp_path / 'work' / 'epoch_1.pth')))
