"""Stand-in for ``mmaction.models.localizers.drn`` (docs/compat.md).

The mmaction2 1.2.0 wheel ships ``localizers/drn/`` without ``__init__.py``, so
``import mmaction.models`` fails. We register empty modules before mmaction's
model package is imported; DRN itself stays unavailable (no method here uses it).
"""
import importlib.util
import os.path as osp
import sys
import types


class _MissingDRN:
    """Placeholder that fails loudly if someone really builds DRN."""

    def __init__(self, *args, **kwargs):
        raise ImportError('DRN is not shipped in the mmaction2 1.2.0 wheel '
                          '(open-mmlab/mmaction2#2714); install mmaction2 '
                          'from source to use it.')


def install_drn_stub() -> None:
    """Register ``mmaction.models.localizers.drn[.drn]`` if the wheel lacks them."""
    name = 'mmaction.models.localizers.drn'
    if name in sys.modules:
        return
    spec = importlib.util.find_spec('mmaction')
    if spec is None:
        return
    # Look on disk rather than importing: importing would run the broken
    # ``localizers/__init__.py`` we are here to repair.
    drn_dir = osp.join(osp.dirname(spec.origin), 'models', 'localizers', 'drn')
    if osp.exists(osp.join(drn_dir, '__init__.py')):
        return  # source install: the real package exists
    package = types.ModuleType(name)
    package.__path__ = []
    module = types.ModuleType(name + '.drn')
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[name] = package
    sys.modules[name + '.drn'] = module
