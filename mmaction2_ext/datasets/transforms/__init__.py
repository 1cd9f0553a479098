from . import heatmaps  # noqa: F401
