"""Shared fixtures. The repository root goes first on sys.path so tests use this
checkout even when another copy is installed."""
import os
import os.path as osp
import sys

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
# ../shared beside the checkout holds the specs and the real upstream files the
# tests read; MMACTION2_EXT_SHARED points elsewhere (e.g. from a worktree).
SHARED_DIR = os.environ.get('MMACTION2_EXT_SHARED',
                            osp.join(osp.dirname(REPO_ROOT), 'shared'))
SHARED_UPSTREAM = osp.join(SHARED_DIR, 'data', 'upstream')

import mmaction2_ext  # noqa: E402,F401
from mmengine.registry import init_default_scope  # noqa: E402

# Build modules from mmaction's registries, as configs with default_scope do.
init_default_scope('mmaction')


@pytest.fixture(scope='session')
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope='session')
def upstream_dir():
    """``../shared/data/upstream`` (skips the test when it is absent)."""
    if not osp.isdir(SHARED_UPSTREAM):
        pytest.skip(f'{SHARED_UPSTREAM} not found')
    return SHARED_UPSTREAM


@pytest.fixture(scope='session')
def spec_keys_dir():
    """``../shared/specs/keys`` (official state_dict key lists)."""
    path = osp.join(SHARED_DIR, 'specs', 'keys')
    if not osp.isdir(path):
        pytest.skip(f'{path} not found')
    return path


@pytest.fixture
def tool_env():
    """Environment for running ``tools/*.py`` in a subprocess on this checkout."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [REPO_ROOT, env.get('PYTHONPATH', '')]).rstrip(os.pathsep)
    env.pop('MMACTION2_EXT_TRUST_CHECKPOINTS', None)
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    return env
