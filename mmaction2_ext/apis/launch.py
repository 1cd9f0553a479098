"""What ``tools/train.py`` and ``tools/test.py`` share: building the Runner on any
device and turning user mistakes into one readable line."""
import contextlib
import inspect
import os
import re
import sys
import tempfile
import traceback
from typing import Callable, Iterator, Optional, Sequence

from mmengine.config import Config
from mmengine.device import get_device
from mmengine.registry import Registry
from mmengine.runner import Runner

from mmaction import registry as registries
from mmaction.registry import RUNNERS
from ..compat import (TRUST_ENV, CheckpointError, setup_cpu_distributed,
                      teardown_distributed)
from ..engine import upgrade_config
from ..engine.hooks.nan_guard import TrainingDivergedError
from ..utils import DataError, DownloadError
from ..utils.io import WriteError

DEBUG_ENV = 'MMACTION2_EXT_DEBUG'

#: environment each ``--launcher`` needs (set by torchrun / srun / mpirun)
LAUNCHER_ENV = {
    'pytorch': ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'),
    'slurm': ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'),
    'mpi': ('OMPI_COMM_WORLD_LOCAL_RANK', ),
}
#: top-level config keys something reads once the config is loaded
READ_KEYS = (set(inspect.signature(Runner.__init__).parameters) - {
    'self', 'cfg'
}) | {
    'model_wrapper_cfg', 'compile', 'activation_checkpointing',
    'efficient_conv_bn_eval', 'find_unused_parameters', 'sync_bn',
    'runner_type', 'safety_hooks', 'load_partial', 'label_file'
}


class UsageError(ValueError):
    """A command-line flag that cannot work here (checked before any work)."""


class ConfigError(ValueError):
    """A config file or ``--cfg-options`` item that cannot be used."""


def load_config(path: str) -> Config:
    if not os.path.isfile(path):
        raise FileNotFoundError(f'config file {path} does not exist')
    with open(path, encoding='utf-8') as f:
        source = f.read()
    try:
        compile(source, path, 'exec')
    except SyntaxError as err:
        raise ConfigError(f'{path}, line {err.lineno}: Python syntax error: '
                          f'{err.msg}') from err
    return Config.fromfile(path)


def merge_options(cfg: Config, options: Optional[dict]) -> Config:
    """Merge ``--cfg-options``; warn about top-level keys nothing reads."""
    if options:
        for key in sorted({k.split('.')[0] for k in options} - READ_KEYS):
            print(f'warning: --cfg-options {key}: nothing reads the top-level '
                  f'key {key!r} (config variables are substituted when the '
                  'file is loaded; set the field that uses it instead' +
                  ('; to move the data use --data-root DIR)'
                   if key == 'data_root' else ')'), file=sys.stderr)
        cfg.merge_from_dict(options)
    return cfg


def check_launcher(launcher: str) -> None:
    """Refuse ``--launcher`` outside the environment its launcher sets up."""
    needed = LAUNCHER_ENV.get(launcher, ())
    missing = [k for k in needed if k not in os.environ]
    if missing:
        raise UsageError(
            f'--launcher {launcher}: {", ".join(missing)} not set; start '
            'with tools/dist_*.sh (pytorch) or tools/slurm_*.sh (slurm), or '
            'drop --launcher')


def check_suffix(flag: str, path: str, suffixes: Sequence[str]) -> None:
    if not path.endswith(tuple(suffixes)):
        raise UsageError(f'{flag} {path}: must end in {"/".join(suffixes)}')


def check_amp() -> None:
    if get_device() == 'cpu':
        raise UsageError('--amp needs a GPU (CUDA, NPU, MLU or MUSA): '
                         "mmengine's AmpOptimWrapper refuses CPU; drop --amp")


def prepare_work_dir(path: str) -> None:
    """Create ``path`` and check a file can be written there."""
    try:
        os.makedirs(path, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError as err:
        raise UsageError(f'work dir {path}: cannot write there '
                         f'({err.strerror})') from err


@contextlib.contextmanager
def config_errors(config: str, options: Optional[dict]) -> Iterator[None]:
    """Name the config item a registered class rejects when it is built."""
    try:
        yield
    except TypeError as err:
        rejected = _rejected_argument(err)
        if rejected is None:
            raise
        cls, name = rejected
        keys = [k for k in options or () if k.split('.')[-1] == name]
        where = f'--cfg-options {keys[0]}' if keys else config
        accepted = [p.name for p in inspect.signature(cls).parameters.values()
                    if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        raise ConfigError(f'{where}: {cls.__name__} does not accept {name!r}; '
                          f'it accepts {", ".join(accepted)}') from err


def _rejected_argument(err: TypeError):
    """(class, argument) when ``err`` is a registered class, built by
    mmengine's ``build_from_cfg``, refusing a keyword in its ``__init__``
    (or a parent's, through ``super().__init__(**kwargs)``), else None.

    Read from the message and the code objects of the traceback (which
    functions ran), never from another library's local variables."""
    match = re.search(r"(\w+)\.__init__\(\) got an unexpected keyword "
                      r"argument '(\w+)'", str(err))
    codes, tb = [], err.__traceback__
    while tb is not None:
        codes.append(tb.tb_frame.f_code)
        tb = tb.tb_next
    builds = [i for i, code in enumerate(codes)
              if code.co_name == 'build_from_cfg']
    if match is None or not builds:
        return None
    inits = codes[builds[-1] + 1:]  # the built class's __init__ chain
    if any(code.co_name != '__init__' for code in inits):
        return None
    owner = inits[0].co_qualname.rsplit('.', 1)[0] if inits \
        else match.group(1)
    cls = _registered_class(owner)
    if cls is None or match.group(1) not in {c.__name__ for c in cls.__mro__}:
        return None
    return cls, match.group(2)


def _registered_class(name: str):
    """The class registered as ``name`` in mmaction's registries (or their
    mmengine parents), else None."""
    for registry in vars(registries).values():
        if isinstance(registry, Registry):
            cls = registry.get(name)
            if inspect.isclass(cls):
                return cls
    return None


def build_runner(cfg: Config) -> Runner:
    """Build the Runner named by ``cfg`` (CPU/gloo DDP prepared if needed),
    after :func:`~mmaction2_ext.engine.upgrade_config`; its changes are
    logged."""
    notes = upgrade_config(cfg)
    setup_cpu_distributed(cfg)
    runner = RUNNERS.build(cfg)
    for note in notes:
        runner.logger.info(f'added by mmaction2_ext: {note}')
    return runner


def trust_checkpoints() -> None:
    """Opt in to full unpickling of checkpoints (trusted files only)."""
    os.environ[TRUST_ENV] = '1'


def _user_error(err: BaseException) -> bool:
    """Errors caused by the user's files or config, not by our code."""
    if isinstance(err, (FileNotFoundError, CheckpointError, DataError,
                        DownloadError, TrainingDivergedError, UsageError,
                        ConfigError, WriteError, SyntaxError)):
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
