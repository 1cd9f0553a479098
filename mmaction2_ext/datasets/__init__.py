from . import transforms  # noqa: F401
from .ma52 import MA52Dataset

__all__ = ['MA52Dataset']
