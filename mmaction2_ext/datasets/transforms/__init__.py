from . import formatting, heatmaps  # noqa: F401
