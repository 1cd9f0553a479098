"""After ``import mmaction2_ext`` (conftest), stock mmengine behaves as stock:
the toolbox's behaviour is in its own registered classes, which configs
select (issue 23)."""
import os

import torch
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.fileio.backends import backends
from mmengine.hooks import CheckpointHook
from mmengine.runner import Runner

from mmaction.registry import HOOKS, RUNNERS

STOCK_RUNNER_MODULES = ('mmengine.runner', 'mmengine.runner.checkpoint',
                        'mmengine.runner.runner',
                        'mmengine.runner._flexible_runner')


def _defined_in(function, module):
    return function.__module__ == module and '<locals>' not in \
        function.__qualname__ and not hasattr(function, '__wrapped__')


def test_checkpoint_hook_and_runner_methods_are_mmengines():
    for name in ('_save_checkpoint_with_step', '_save_best_checkpoint',
                 'before_train', 'after_train_epoch'):
        method = getattr(CheckpointHook, name)
        assert _defined_in(method, 'mmengine.hooks.checkpoint_hook'), name
        assert method.__qualname__ == f'CheckpointHook.{name}'
    for name in ('load_checkpoint', 'resume', 'load_or_resume',
                 'set_randomness'):
        method = getattr(Runner, name)
        assert _defined_in(method, 'mmengine.runner.runner'), name
        assert method.__qualname__ == f'Runner.{name}'


def test_module_level_functions_are_mmengines():
    import importlib
    for module in STOCK_RUNNER_MODULES:
        found = importlib.import_module(module).find_latest_checkpoint
        assert _defined_in(found, 'mmengine.runner.checkpoint'), module
    from mmengine.runner import runner
    assert _defined_in(runner.set_random_seed, 'mmengine.runner.utils')


def test_local_file_backend_is_mmengines(tmp_path):
    assert backends['local'] is LocalBackend
    assert type(get_file_backend(str(tmp_path))) is LocalBackend
    # the toolbox's atomic backend has a name of its own
    atomic = get_file_backend(str(tmp_path),
                              backend_args=dict(backend='atomic_local'))
    assert type(atomic) is not LocalBackend and isinstance(atomic,
                                                           LocalBackend)


def test_registries_serve_stock_and_ours_by_their_names():
    assert HOOKS.get('CheckpointHook') is CheckpointHook
    assert RUNNERS.get('Runner') is Runner
    assert issubclass(HOOKS.get('SafeCheckpointHook'), CheckpointHook)
    assert issubclass(RUNNERS.get('SafeRunner'), Runner)


def test_stock_find_latest_checkpoint_still_trusts_last_checkpoint(tmp_path):
    """Behaviour, not only identity: stock returns what last_checkpoint
    names even when it is missing; the toolbox's falls back."""
    from mmengine.runner import find_latest_checkpoint

    from mmaction2_ext.engine.last_checkpoint import \
        find_latest_checkpoint as ours
    complete = str(tmp_path / 'epoch_1.pth')
    torch.save({'state_dict': {}}, complete)
    dangling = str(tmp_path / 'epoch_2.pth')
    (tmp_path / 'last_checkpoint').write_text(dangling)
    assert find_latest_checkpoint(str(tmp_path)) == dangling
    assert ours(str(tmp_path)) == complete


def test_stock_seeding_is_strict(monkeypatch):
    from mmengine.runner import runner
    monkeypatch.delenv('CUBLAS_WORKSPACE_CONFIG', raising=False)
    mode = (torch.are_deterministic_algorithms_enabled(),
            torch.is_deterministic_algorithms_warn_only_enabled())
    benchmark = torch.backends.cudnn.benchmark
    try:
        runner.set_random_seed(seed=1, deterministic=True)
        assert torch.are_deterministic_algorithms_enabled()
        assert not torch.is_deterministic_algorithms_warn_only_enabled()
        assert 'CUBLAS_WORKSPACE_CONFIG' not in os.environ
    finally:
        torch.use_deterministic_algorithms(mode[0], warn_only=mode[1])
        torch.backends.cudnn.benchmark = benchmark


def test_import_installs_no_process_wide_warning_filter(tool_env, repo_root):
    import subprocess
    import sys
    code = ('import warnings; before = list(warnings.filters)\n'
            'import mmaction2_ext\n'
            'print(warnings.filters == before)')
    proc = subprocess.run([sys.executable, '-c', code], env=tool_env,
                          cwd=repo_root, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == 'True'
    # and the stack's harmless import-time warnings are not shown
    assert 'MultiScaleDeformableAttention' not in proc.stderr

