"""mmaction2_ext: fine-grained action understanding methods as an mmaction2 plugin.

Importing the package repairs what the stack needs to run (``compat``), then
registers every module into mmaction2's registries, so configs only need
``custom_imports = dict(imports=['mmaction2_ext'])``. Stock classes keep their
behaviour; the toolbox's own (``SafeRunner``, ``SafeCheckpointHook``...) are
selected by the configs.
"""
from . import compat  # noqa: F401  (must come first)

with compat.quiet_stack_import():  # mmaction.models' import-time noise
    from . import datasets, engine, evaluation, models, submission  # noqa

from .version import __version__  # noqa: E402

__all__ = ['__version__']
