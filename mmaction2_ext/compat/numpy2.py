"""numpy names that numpy 2 removed, given back to the stock mmaction modules
that still call them (docs/compat.md).

mmaction2 1.2.0 calls ``np.Inf`` (``PoseCompact``, ``MMCompact``,
``frame_extract``), ``np.trapz`` (AR@AN of ``ANetMetric``) and ``np.in1d``
(``RetrievalRecall``). Each of those modules gets its own ``np``: numpy's
namespace plus these aliases. The stock classes and functions themselves then
work, also when a script imports them straight from mmaction, with their own
code and outputs; numpy itself is left as it is.
"""
import importlib
import types

import numpy as np

STOCK_MODULES = ('mmaction.datasets.transforms.pose_transforms',
                 'mmaction.evaluation.functional.accuracy',
                 'mmaction.evaluation.metrics.multimodal_metric',
                 'mmaction.utils.misc')


def _in1d(ar1, ar2, assume_unique=False, invert=False, *,
          kind=None) -> np.ndarray:
    """numpy 1's ``in1d``: ``isin`` on the flattened first array."""
    return np.isin(np.ravel(ar1), ar2, assume_unique=assume_unique,
                   invert=invert, kind=kind)


REMOVED = dict(Inf=np.inf, trapz=np.trapezoid, in1d=_in1d)


def numpy_with_removed_names() -> types.ModuleType:
    """A module with numpy's attributes and :data:`REMOVED`; names numpy
    loads lazily are looked up on numpy itself."""
    shim = types.ModuleType(np.__name__, np.__doc__)
    shim.__dict__.update(
        {k: v for k, v in vars(np).items() if not k.startswith('__')})
    shim.__dict__.update(REMOVED)
    shim.__getattr__ = lambda name: getattr(np, name)
    return shim


def install_numpy2_aliases() -> None:
    """Point ``np`` of every module in :data:`STOCK_MODULES` at the shim."""
    shim = numpy_with_removed_names()
    for name in STOCK_MODULES:
        module = importlib.import_module(name)
        if module.np is np:
            module.np = shim
