"""Warnings the pinned stack prints when it is imported and that mean nothing
for this toolbox (docs/compat.md). Silenced only while ``mmaction2_ext``
imports the stack (``warnings.catch_warnings``): the process's own filters
are left as they are."""
import contextlib
import warnings
from typing import Iterator

HARMLESS = (
    # mmcv-lite ships no compiled ops; nothing here needs them.
    (UserWarning, r'Fail to import ``MultiScaleDeformableAttention``'),
    # mmengine imports torch.distributed.optim, which jit-scripts optimizers.
    (DeprecationWarning, r'`torch\.jit\.script` is deprecated'),
    (FutureWarning, r'`torch\.jit\.script` is deprecated'),
)


@contextlib.contextmanager
def quiet_stack_import() -> Iterator[None]:
    """Inside the block, :data:`HARMLESS` warnings are not shown."""
    with warnings.catch_warnings():
        for category, message in HARMLESS:
            warnings.filterwarnings('ignore', message=message,
                                    category=category)
        yield
