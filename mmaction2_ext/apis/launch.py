"""What ``tools/train.py`` and ``tools/test.py`` share: building the Runner on any
device and turning user mistakes into one readable line."""
import os
import sys
from typing import Callable

from mmengine.config import Config
from mmengine.runner import Runner

from mmaction.registry import RUNNERS
from ..compat import (TRUST_ENV, CheckpointError, setup_cpu_distributed,
                      teardown_distributed)
from ..engine.hooks.nan_guard import TrainingDivergedError
from ..engine.safety import add_safety_hooks
from ..utils import DataError, DownloadError

DEBUG_ENV = 'MMACTION2_EXT_DEBUG'


def load_config(path: str) -> Config:
    if not os.path.isfile(path):
        raise FileNotFoundError(f'config file {path} does not exist')
    return Config.fromfile(path)


def build_runner(cfg: Config) -> Runner:
    """Build the Runner named by ``cfg`` (CPU/gloo DDP prepared if needed),
    with the toolbox's safety hooks whatever the config lists."""
    add_safety_hooks(cfg)
    setup_cpu_distributed(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def trust_checkpoints() -> None:
    """Opt in to full unpickling of checkpoints (trusted files only)."""
    os.environ[TRUST_ENV] = '1'


def _user_error(err: BaseException) -> bool:
    """Errors caused by the user's files or config, not by our code."""
    if isinstance(err, (FileNotFoundError, CheckpointError, DataError,
                        DownloadError, TrainingDivergedError)):
        return True
    return isinstance(err, KeyError) and 'registry' in str(err)


def run_cli(main: Callable[[], None]) -> None:
    """Run a tool's ``main``: user errors print one line and exit 1.

    Set ``MMACTION2_EXT_DEBUG=1`` for the full traceback.
    """
    try:
        main()
    except Exception as err:  # noqa: BLE001  (filtered below)
        teardown_distributed(barrier=False)  # peers may be gone: no barrier
        if not _user_error(err) or os.environ.get(DEBUG_ENV):
            raise
        message = err.args[0] if isinstance(err, KeyError) and err.args \
            else str(err)
        print(f'error: {message}', file=sys.stderr)
        sys.exit(1)
    teardown_distributed()
