from .heatmap_data_preprocessor import HeatmapDataPreprocessor

__all__ = ['HeatmapDataPreprocessor']
