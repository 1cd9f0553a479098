"""Export wrappers: the part of each model's ``predict`` that goes into the
ONNX graph, as one ``nn.Module`` whose inputs are the preprocessed batch
(what the model's data preprocessor gives) and whose outputs are what
``tools/test.py --dump`` records (HAAN: its per-clip logits; the detection
post-processing stays in Python, :meth:`HAAN.detections`)."""
import torch.nn as nn

from .base import ExportWrapper
from .haan import HAANExport
from .recognizer import RecognizerExport
from .rgbpose import RGBPoseExport


def wrapper_for(model: nn.Module) -> ExportWrapper:
    """The export wrapper of a toolbox model (recognizers and HAAN)."""
    name = type(model).__name__
    if name == 'HAAN':
        return HAANExport(model)
    if name == 'MMRecognizer3D':
        return RGBPoseExport(model)
    if name in RecognizerExport.AXES:
        return RecognizerExport(model)
    raise ValueError(f'no ONNX export for {name} models (exported: HAAN, '
                     f'MMRecognizer3D, {", ".join(RecognizerExport.AXES)})')


__all__ = ['ExportWrapper', 'HAANExport', 'RecognizerExport',
           'RGBPoseExport', 'wrapper_for']
