"""mmaction2_ext: fine-grained action understanding methods as an mmaction2 plugin.

Importing the package repairs the stack first (``compat``), then registers every
module into mmaction2's registries, so configs only need
``custom_imports = dict(imports=['mmaction2_ext'])``.
"""
from . import compat  # noqa: F401  (must come first)
from . import datasets, engine, evaluation, models, submission  # noqa: F401
from .version import __version__

__all__ = ['__version__']
