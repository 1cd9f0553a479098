"""Deployment: ONNX export of every method and the onnxruntime backend
(the [deploy] extra, ``make deploy-install``; docs/deploy.md)."""
from .export import DEFAULT_OPSET, TOLERANCE, export_onnx
from .inputs import example_batch
from .runtime import OrtModel
from .wrappers import wrapper_for

BACKENDS = ('pytorch', 'onnxruntime')


def with_backend(model, backend: str = 'pytorch', model_file=None):
    """``model`` itself (``'pytorch'``), or an :class:`OrtModel` running
    the ONNX file ``model_file`` exported from the same config."""
    if backend == 'pytorch':
        return model
    if backend != 'onnxruntime':
        raise ValueError(f'backend {backend!r} not in {BACKENDS}')
    if model_file is None:
        raise ValueError('the onnxruntime backend needs the ONNX file')
    return OrtModel(model, model_file)


__all__ = ['BACKENDS', 'DEFAULT_OPSET', 'TOLERANCE', 'OrtModel',
           'export_onnx', 'example_batch', 'with_backend', 'wrapper_for']
