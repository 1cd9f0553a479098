from . import utils  # noqa: F401
from . import backbones, heads, losses  # noqa: F401
