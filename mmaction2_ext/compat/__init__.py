"""Repairs that stock mmengine / mmaction2 need to import and run on the pinned
stack (what breaks and why: docs/compat.md). Nothing else of stock behaviour
changes; what the toolbox adds lives in :mod:`mmaction2_ext.engine`.

Import order matters: the DRN stub and the VindLU switch must be in place
before anything imports ``mmaction.models``.
"""
from .warnings import quiet_stack_import

with quiet_stack_import():  # the stack's import-time noise, nothing else
    from .drn import install_drn_stub
    from .multimodal import disable_incompatible_multimodal

    install_drn_stub()
    disable_incompatible_multimodal()

    from .checkpoint import (TRUST_ENV, CheckpointError,
                             UnsafeCheckpointError, install_safe_loaders,
                             safe_torch_load)
    from .dist import setup_cpu_distributed, teardown_distributed
    from .numpy2 import install_numpy2_aliases

    install_numpy2_aliases()
    install_safe_loaders()

__all__ = [
    'TRUST_ENV', 'CheckpointError', 'UnsafeCheckpointError', 'safe_torch_load',
    'quiet_stack_import', 'setup_cpu_distributed', 'teardown_distributed'
]
