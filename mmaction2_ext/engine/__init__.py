"""What the toolbox adds to mmengine's training, as registered classes a
config selects: ``SafeRunner`` (``runner_type``), ``SafeCheckpointHook``
(``default_hooks.checkpoint``), the ``atomic_local`` file backend and the hooks
of :mod:`.hooks`; :func:`upgrade_config` is what the tools add to any config."""
from . import fileio, hooks, tracking  # noqa: F401
from .runner import SafeRunner
from .upgrade import upgrade_config

__all__ = ['SafeRunner', 'upgrade_config']
