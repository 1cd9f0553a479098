from . import data_preprocessors, utils  # noqa: F401
