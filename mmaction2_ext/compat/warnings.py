"""Silence warnings that the pinned stack prints on every run and that mean nothing
for this toolbox (docs/compat.md)."""
import warnings

_HARMLESS = (
    # mmcv-lite ships no compiled ops; nothing here needs them.
    (UserWarning, r'Fail to import ``MultiScaleDeformableAttention``'),
    # mmengine imports torch.distributed.optim, which jit-scripts optimizers.
    (DeprecationWarning, r'`torch\.jit\.script` is deprecated'),
    (FutureWarning, r'`torch\.jit\.script` is deprecated'),
)


def filter_harmless_warnings() -> None:
    for category, message in _HARMLESS:
        warnings.filterwarnings('ignore', message=message, category=category)
