"""Shared fixtures. The repository root goes first on sys.path so tests use this
checkout even when another copy is installed."""
import os
import os.path as osp
import subprocess
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
from mmaction2_ext.datasets.synthetic.skeleton import \
    write_skeleton_pickle  # noqa: E402
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


@pytest.fixture(scope='module')
def skeleton_pickle(tmp_path_factory):
    """A small synthetic COCO-layout PoseDataset pickle (4 classes)."""
    path = tmp_path_factory.mktemp('data') / 'coco.pkl'
    return write_skeleton_pickle(str(path), 'coco', num_classes=4,
                                 samples_per_class=(6, 3), seed=1)


@pytest.fixture(scope='module')
def training_pickle(tmp_path_factory):
    """Like ``skeleton_pickle`` but enough samples for the tiny config to
    reach a new best accuracy at epoch 4 of a seed-0 run."""
    path = tmp_path_factory.mktemp('data') / 'coco.pkl'
    return write_skeleton_pickle(str(path), 'coco', num_classes=4,
                                 samples_per_class=(16, 2), seed=3)


@pytest.fixture
def single_thread():
    """torch on one thread for the test (tiny tensors, shared CPU); the
    previous thread count is restored afterwards."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def tool_env():
    """Environment for running ``tools/*.py`` in a subprocess on this checkout."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [REPO_ROOT, env.get('PYTHONPATH', '')]).rstrip(os.pathsep)
    env.pop('MMACTION2_EXT_TRUST_CHECKPOINTS', None)
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    return env


# --- runs where a skip would hide a missing install (tests/skip_policy.py) --
from skip_policy import NO_SKIP_ENV, skip_as_failure  # noqa: E402


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if os.environ.get(NO_SKIP_ENV) == '1':
        skip_as_failure(report)
    return report


# --- reliability table (docs/reliability.md is generated from these) -------
# A test of a bad input calls ``reliability.record(area, case, seen)`` with
# what the user actually got (the `error:` line, the logged skip...).
# ``pytest --reliability-table FILE`` writes every recorded case to FILE;
# ``python tools/analysis/reliability_table.py`` runs the tests and writes
# docs/reliability.md.
import re  # noqa: E402

_RELIABILITY_ROWS = []
_CHECKOUT_KEY = pytest.StashKey()
_TMP_PATH = re.compile(r'(/[^\s\'"]*)?/pytest-of-[^/\s]+/pytest-\d+/[^/\s]+')


def pytest_addoption(parser):
    parser.addoption('--reliability-table', default=None, metavar='FILE',
                     help='write the bad-input cases these tests recorded '
                     'as a markdown table to FILE')


class ReliabilityRecorder:

    def __init__(self, test_id: str):
        self.test_id = test_id

    def record(self, area: str, case: str, seen: str) -> None:
        """What the user sees for one kind of bad input (temp paths cut)."""
        seen = _TMP_PATH.sub('<tmp>', seen.strip())
        _RELIABILITY_ROWS.append((area, case, seen, self.test_id))


@pytest.fixture
def reliability(request):
    return ReliabilityRecorder(request.node.nodeid)


def _markdown_cell(text: str) -> str:
    return text.replace('|', '\\|').replace('\n', '<br>')


# --- tests must leave the checkout as they found it ------------------------
_EXPECTED_LITTER = ('.venv', '__pycache__', '.pytest_cache')


def _checkout_entries():
    """``git status --porcelain --ignored`` lines minus expected litter (None
    outside a git checkout)."""
    try:
        proc = subprocess.run(['git', 'status', '--porcelain', '--ignored'],
                              cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return {line for line in proc.stdout.splitlines()
            if not set(line[3:].strip('"/').split('/')) & set(_EXPECTED_LITTER)}


def pytest_sessionstart(session):
    session.config.stash[_CHECKOUT_KEY] = _checkout_entries()


def _check_checkout_clean(session):
    before = session.config.stash.get(_CHECKOUT_KEY, None)
    after = _checkout_entries()
    if before is None or after is None:
        return
    new = sorted(after - before)
    if new:
        reporter = session.config.pluginmanager.get_plugin('terminalreporter')
        message = ('tests left files in the checkout (write under tmp_path):'
                   '\n  ' + '\n  '.join(new))
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_sep('=', 'checkout not clean', red=True)
            reporter.write_line(message, red=True)
        else:
            print(message, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist: collect the rows a worker recorded."""
    rows = getattr(node, 'workeroutput', {}).get('reliability_rows', [])
    _RELIABILITY_ROWS.extend(tuple(row) for row in rows)


def pytest_sessionfinish(session, exitstatus):
    _check_checkout_clean(session)
    path = session.config.getoption('--reliability-table', default=None)
    if not path:
        return
    if hasattr(session.config, 'workeroutput'):  # an xdist worker
        session.config.workeroutput['reliability_rows'] = _RELIABILITY_ROWS
        return
    lines = [
        '# What a user sees on bad input',
        '',
        'Generated by `python tools/analysis/reliability_table.py` from the '
        'test suite: each row is a case a test fed to the toolbox and the '
        'output it checked. Do not edit by hand.',
        '',
        '| area | bad input | what the user sees | test |',
        '|---|---|---|---|',
    ]
    for area, case, seen, test in sorted(set(_RELIABILITY_ROWS)):
        lines.append('| ' + ' | '.join(
            _markdown_cell(c) for c in
            (area, case, '`' + seen.replace('`', "'") + '`', test)) +
            ' |')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
