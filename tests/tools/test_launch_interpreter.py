"""tools/dist_*.sh and tools/slurm_*.sh pick their interpreter: $PYTHON, else
the project's .venv/bin/python (what `make demo` creates), else python3.
Run on a copy of the scripts with fake interpreters that report their calls."""
import os
import shutil
import subprocess

import pytest

SCRIPTS = {'dist_train': ['cfg.py', '1'],
           'dist_test': ['cfg.py', 'ckpt.pth', '1'],
           'slurm_train': ['partition', 'job', 'cfg.py'],
           'slurm_test': ['partition', 'job', 'cfg.py', 'ckpt.pth']}


def _fake(path, name):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "{name} $*"\n')
    path.chmod(0o755)


def _fake_srun(path):
    """srun that runs the command after its options, as srun would."""
    path.write_text('#!/bin/bash\nwhile [[ "$1" == -* ]]; do\n'
                    '    if [ "$1" = -p ]; then shift 2; else shift; fi\n'
                    'done\n'
                    'exec "$@"\n')
    path.chmod(0o755)


@pytest.fixture
def checkout(tmp_path, repo_root):
    root = tmp_path / 'checkout'
    shutil.copytree(os.path.join(repo_root, 'tools'), root / 'tools',
                    ignore=shutil.ignore_patterns('*.py', '__pycache__'))
    bin_dir = tmp_path / 'bin'
    _fake(bin_dir / 'python3', 'path-python3')
    _fake_srun(bin_dir / 'srun')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHON'}
    env['PATH'] = f'{bin_dir}:/usr/bin:/bin'
    env['GPUS'] = env['GPUS_PER_NODE'] = '1'
    return root, env


def _launched(root, env, script):
    proc = subprocess.run(['bash', f'tools/{script}.sh', *SCRIPTS[script]],
                          cwd=root, env=env, text=True, capture_output=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize('script', sorted(SCRIPTS))
def test_scripts_prefer_project_venv(checkout, script):
    root, env = checkout
    assert _launched(root, env, script).startswith('path-python3 ')
    _fake(root / '.venv' / 'bin' / 'python', 'venv-python')
    assert _launched(root, env, script).startswith('venv-python ')
    _fake(root / 'mine', 'chosen-python')
    env['PYTHON'] = str(root / 'mine')
    assert _launched(root, env, script).startswith('chosen-python ')
