"""Repairs for the current PyPI stack (what breaks and why: docs/compat.md).

Import order matters: the DRN stub and the VindLU switch must be in place
before anything imports ``mmaction.models``.
"""
from .drn import install_drn_stub
from .multimodal import disable_incompatible_multimodal
from .warnings import filter_harmless_warnings

install_drn_stub()
disable_incompatible_multimodal()
filter_harmless_warnings()

from .atomic_io import install_atomic_local_backend  # noqa: E402
from .checkpoint_rotation import install_safe_checkpoint_rotation  # noqa
from .checkpoint import (TRUST_ENV, CheckpointError,  # noqa: E402
                         UnsafeCheckpointError, install_safe_loaders,
                         safe_torch_load)
from .determinism import install_warn_only_determinism  # noqa: E402
from .dist import setup_cpu_distributed, teardown_distributed  # noqa: E402
from .numpy2 import install_numpy2_aliases  # noqa: E402
from .runner_loading import install_checked_runner_loading  # noqa: E402

install_numpy2_aliases()
install_safe_loaders()
install_atomic_local_backend()
install_safe_checkpoint_rotation()
install_checked_runner_loading()
install_warn_only_determinism()

__all__ = [
    'TRUST_ENV', 'CheckpointError', 'UnsafeCheckpointError', 'safe_torch_load',
    'setup_cpu_distributed', 'teardown_distributed'
]
