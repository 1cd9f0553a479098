from . import heads, utils  # noqa: F401
