from . import heatmaps  # noqa: F401
from . import formatting  # noqa: F401
