from . import hooks, tracking  # noqa: F401
