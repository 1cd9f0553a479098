"""User mistakes with the command-line tools end in one ``error:`` line on
stderr (exit 1, no traceback), checked by running the tools as a user would."""
import os
import pickle
import sys

import pytest
import torch
from mmengine.config import Config

from mmaction.registry import MODELS
from helpers import warm_python

CONFIG = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'
MIGA = ('configs/miga/'
        'slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint.py')
LAUNCH_ENV = ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT',
              'SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST')
# Makes os.fsync of a temporary file for $ENOSPC_FILE fail as on a full disk.
FULL_DISK = '''
import errno, os
_fsync = os.fsync
def _full_disk_fsync(fd):
    if os.environ['ENOSPC_FILE'] in os.readlink(f'/proc/self/fd/{fd}'):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return _fsync(fd)
os.fsync = _full_disk_fsync
'''


@pytest.fixture
def env(tool_env):
    """The tools' environment outside any launcher."""
    return {k: v for k, v in tool_env.items() if k not in LAUNCH_ENV}




def _run(args, env, repo_root):
    return warm_python.run(args, cwd=repo_root, env=env, text=True,
                           capture_output=True, timeout=300)


def _tool(path, *args):
    return [sys.executable, path, *map(str, args)]


def _stderr_lines(proc):
    return [line for line in proc.stderr.splitlines() if line.strip()]


def _one_error(proc):
    """The single ``error:`` line of a tool that failed cleanly."""
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 1, proc.stderr[-3000:]
    lines = _stderr_lines(proc)
    assert len(lines) == 1 and lines[0].startswith('error: '), proc.stderr
    return lines[0]


@pytest.mark.parametrize('case', ['syntax error', 'item without ='])
def test_config_mistake(case, tmp_path, env, repo_root, reliability):
    if case == 'syntax error':
        config = tmp_path / 'broken.py'
        config.write_text("_base_ = []\nmodel = dict(type='X',,)\n")
        args, expected = [str(config)], f'{config}, line 2'
    else:
        args = [CONFIG, '--cfg-options', 'train_cfg.max_epochs']
        expected = "'train_cfg.max_epochs': expected KEY=VALUE"
    line = _one_error(_run(_tool('tools/train.py', *args), env, repo_root))
    assert expected in line
    reliability.record('config', {'syntax error': 'Python syntax error in '
                                  'the config file',
                                  'item without =': '--cfg-options item '
                                  'without ='}[case], line)


def test_rejected_and_unread_cfg_options(tmp_path, env, repo_root,
                                         reliability):
    proc = _run(_tool('tools/train.py', CONFIG, '--work-dir', tmp_path,
                      '--cfg-options', 'train_cfg.max_epoch=3', 'ann_file=x'),
                env, repo_root)
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr, \
        proc.stderr[-3000:]
    warning, error = _stderr_lines(proc)
    assert warning.startswith('warning: --cfg-options ann_file:')
    assert "nothing reads the top-level key 'ann_file'" in warning
    assert error.startswith('error: --cfg-options train_cfg.max_epoch: '
                            "EpochBasedTrainLoop does not accept 'max_epoch'")
    assert 'max_epochs' in error.split('accepts')[1]
    reliability.record('config', '--cfg-options key the built class does not '
                       'take (train_cfg.max_epoch)', error)
    reliability.record('config', '--cfg-options top-level key nothing reads',
                       warning)


def _cli_case(case, tmp_path):
    """(tool arguments, text the error line must hold) of a CLI mistake."""
    test = ['tools/test.py', CONFIG, CONFIG]  # any existing file as checkpoint
    if case == '--dump with a wrong extension':
        return [*test, '--dump', tmp_path / 'r.json'], \
            '--dump <tmp>/r.json: must end in .pkl/.pickle'
    if case == '--launcher slurm without Slurm':
        return [*test, '--launcher', 'slurm'], \
            '--launcher slurm: SLURM_PROCID, SLURM_NTASKS, SLURM_NODELIST'
    if case == '--launcher pytorch without torchrun':
        return ['tools/train.py', CONFIG, '--launcher', 'pytorch'], \
            '--launcher pytorch: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT'
    if case == 'work dir under a file':
        (tmp_path / 'file').write_text('')
        return ['tools/train.py', CONFIG, '--work-dir', tmp_path / 'file/w'], \
            'work dir <tmp>/file/w: cannot write there (Not a directory)'
    if case == 'work dir on a read-only file system':
        return ['tools/train.py', CONFIG, '--work-dir', '/sys/mmaction2'], \
            'work dir /sys/mmaction2: cannot write there'
    if case == '--amp without a GPU':
        if torch.cuda.is_available():
            pytest.skip('CUDA present: --amp runs')
        return ['tools/train.py', CONFIG, '--amp'], '--amp needs a GPU'
    assert case == '--show-dir without a VisualizationHook'
    # an RGB config: the toolbox's others are refused before this check
    # (tests/tools/test_show_dir.py)
    rgb = 'configs/pcan/rgb-only_slowonly-r50_1xb12-8x1x1-18e_ma52-rgb.py'
    return ['tools/test.py', rgb, CONFIG, '--show-dir', tmp_path / 'vis'], \
        '--show/--show-dir need default_hooks.visualization'


@pytest.mark.parametrize('case', [
    '--dump with a wrong extension', '--launcher slurm without Slurm',
    '--launcher pytorch without torchrun', 'work dir under a file',
    'work dir on a read-only file system', '--amp without a GPU',
    '--show-dir without a VisualizationHook'
])
def test_cli_mistake(case, tmp_path, env, repo_root, reliability):
    args, expected = _cli_case(case, tmp_path)
    line = _one_error(_run(_tool(*args), env, repo_root))
    assert expected in line.replace(str(tmp_path), '<tmp>')
    assert not os.path.exists(tmp_path / 'vis')
    reliability.record('CLI', case, line)


def test_debug_env_shows_the_traceback(tmp_path, env, repo_root):
    proc = _run(_tool('tools/test.py', CONFIG, CONFIG, '--dump',
                      tmp_path / 'r.json'),
                dict(env, MMACTION2_EXT_DEBUG='1'), repo_root)
    assert proc.returncode == 1
    assert 'Traceback (most recent call last)' in proc.stderr
    assert 'UsageError: --dump' in proc.stderr


@pytest.mark.parametrize('script', ['dist_train', 'dist_test', 'slurm_train',
                                    'slurm_test'])
@pytest.mark.parametrize('gpus', [None, '0', 'two'])
def test_launch_script_gpu_count(script, gpus, tmp_path, env, repo_root,
                                 reliability):
    # PYTHON / srun missing: anything launched would add its own error
    env = dict(env, PYTHON=str(tmp_path / 'no-python'))
    args = ['bash', f'tools/{script}.sh']
    if script.startswith('dist'):
        args += [CONFIG, *(['ckpt.pth'] if script == 'dist_test' else [])]
        args += [] if gpus is None else [gpus]
    else:
        args += ['partition', 'job', CONFIG, 'ckpt.pth']
        env['GPUS'] = '' if gpus is None else gpus
    proc = _run(args, env, repo_root)
    assert proc.returncode == 1
    error, usage = _stderr_lines(proc)
    assert error == ('error: missing GPUS' if gpus is None and
                     script.startswith('dist') else
                     f"error: GPUS must be a positive integer, got "
                     f"'{gpus or ''}'")
    assert usage.startswith('usage:') and f'tools/{script}.sh' in usage
    reliability.record('launch scripts', f'{script}.sh with GPU count '
                       f'{"missing" if gpus is None else repr(gpus)}', error)


def _full_disk_env(env, tmp_path, name):
    (tmp_path / 'sitecustomize.py').write_text(FULL_DISK)
    return dict(env, ENOSPC_FILE=name,
                PYTHONPATH=os.pathsep.join([str(tmp_path), env['PYTHONPATH']]))


def _check_kept(path, proc):
    """One error line naming ``path``; the old file and nothing else left."""
    line = _one_error(proc)
    assert line == (f'error: cannot write {path}: No space left on device '
                    '(any previous file there is unchanged)')
    assert path.read_bytes() == b'old'
    assert [p.name for p in path.parent.iterdir()
            if p.name.startswith(f'.{path.name}')] == []
    return line


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """An untrained checkpoint of CONFIG's model."""
    path = tmp_path_factory.mktemp('ckpt') / 'init.pth'
    model = MODELS.build(Config.fromfile(CONFIG).model)
    torch.save({'state_dict': model.state_dict()}, path)
    return path


def test_disk_full_while_saving_a_checkpoint(tmp_path, env, repo_root,
                                             skeleton_options, reliability):
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    old = work_dir / 'epoch_1.pth'
    old.write_bytes(b'old')
    proc = _run(_tool('tools/train.py', CONFIG, '--work-dir', work_dir,
                      '--cfg-options', *skeleton_options,
                      'train_cfg.max_epochs=1'),
                _full_disk_env(env, tmp_path, 'epoch_1.pth'), repo_root)
    reliability.record('disk full', 'disk full while saving a checkpoint',
                       _check_kept(old, proc))


def test_disk_full_while_dumping(tmp_path, env, repo_root, skeleton_options,
                                 checkpoint, reliability):
    old = tmp_path / 'result.pkl'
    old.write_bytes(b'old')
    proc = _run(_tool('tools/test.py', CONFIG, checkpoint, '--dump', old,
                      '--work-dir', tmp_path / 'work', '--cfg-options',
                      *skeleton_options),
                _full_disk_env(env, tmp_path, 'result.pkl'), repo_root)
    reliability.record('disk full', 'disk full while writing the --dump '
                       'pickle', _check_kept(old, proc))


def test_disk_full_while_writing_a_submission(tmp_path, env, repo_root,
                                              reliability):
    names = [f'test{i}.mp4' for i in range(3)]
    (tmp_path / 'list.txt').write_text(''.join(f'{n} 0\n' for n in names))
    scores = dict(rgb=torch.rand(52), pose=torch.rand(52),
                  rgb_coarse=torch.rand(7), pose_coarse=torch.rand(7))
    with open(tmp_path / 'r.pkl', 'wb') as f:
        pickle.dump([dict(pred_score=scores)] * len(names), f)
    old = tmp_path / 'submission.zip'
    old.write_bytes(b'old')
    proc = _run(_tool('eval_ma52/eval_test.py', '--dump', tmp_path / 'r.pkl',
                      '--test-list', tmp_path / 'list.txt', '--csv',
                      tmp_path / 'prediction.csv', '--zip', old),
                _full_disk_env(env, tmp_path, 'submission.zip'), repo_root)
    reliability.record('disk full', 'disk full while writing submission.zip',
                       _check_kept(old, proc))


def _tool_case(case, tmp_path):
    """(tool arguments, text the error line must hold) of a bad input."""
    text = tmp_path / 'notes.txt'
    text.write_text('not a pickle\n')
    if case == 'eval_test.py: --zip with a wrong extension':
        return ['eval_ma52/eval_test.py', '--zip', tmp_path / 's.tar'], \
            '--zip <tmp>/s.tar: must end in .zip'
    if case == 'ensemble.py: --out with a wrong extension':
        return ['tools/ensemble.py', text, '--out', tmp_path / 'f.json'], \
            '--out <tmp>/f.json: must end in .pkl/.pickle'
    if case == 'miga_submission.py: missing --ids file':
        return ['tools/miga_submission.py', '--ids', tmp_path / 'ids.pkl',
                '--dumps', text], 'test id file <tmp>/ids.pkl does not exist'
    if case == 'merge_pretrain.py: missing checkpoint':
        return ['tools/merge_pretrain.py', tmp_path / 'rgb.pth', text], \
            'checkpoint <tmp>/rgb.pth does not exist'
    assert case == 'merge_pretrain.py: --out with a wrong extension'
    return ['tools/merge_pretrain.py', text, text, '--out',
            tmp_path / 'init.pkl'], '--out <tmp>/init.pkl: must end in .pth'


@pytest.mark.parametrize('case', [
    'eval_test.py: --zip with a wrong extension',
    'ensemble.py: --out with a wrong extension',
    'miga_submission.py: missing --ids file',
    'merge_pretrain.py: missing checkpoint',
    'merge_pretrain.py: --out with a wrong extension'
])
def test_tool_bad_input(case, tmp_path, env, repo_root, reliability):
    args, expected = _tool_case(case, tmp_path)
    line = _one_error(_run(_tool(*args), env, repo_root))
    assert expected in line.replace(str(tmp_path), '<tmp>')
    reliability.record('CLI', case, line)


def test_cli_seed_wins_over_config_randomness(tmp_path, env, repo_root):
    assert Config.fromfile(MIGA).randomness == dict(seed=0)
    proc = _run(_tool('tools/train.py', MIGA, '--seed', 7, '--deterministic',
                      '--work-dir', tmp_path, '--cfg-options',
                      f'train_dataloader.dataset.ann_file={tmp_path}/no.pkl'),
                env, repo_root)
    log = proc.stdout + proc.stderr
    assert 'INFO - random seed: 7, deterministic: True' in log, log[-3000:]
    assert 'no.pkl' in _one_error(proc)  # stopped at the missing data
