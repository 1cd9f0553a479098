"""The onnxruntime backend: a model whose network runs in ONNX Runtime.

:class:`OrtModel` stands in for the PyTorch model of the same config: the
config's data preprocessor prepares the batch, ONNX Runtime runs the graph
of :mod:`.wrappers`, and the wrapper turns its outputs into what the
model's ``predict`` returns (HAAN: through :meth:`HAAN.detections`, the
one post-processing of both backends). Everything else (``cfg``,
``input_kind``, the head's class count...) is read from the PyTorch model.
"""
import json
import os.path as osp
from typing import Optional

import numpy as np
import torch
import torch.nn as nn

from ..utils import DataError
from .export import SIGNATURE_KEY, ort_session
from .wrappers import wrapper_for


def file_signature(session, path: str) -> dict:
    meta = session.get_modelmeta().custom_metadata_map
    if SIGNATURE_KEY not in meta:
        raise DataError(f'{path}: not an ONNX file written by '
                        'tools/deployment/export_onnx.py (no '
                        f'{SIGNATURE_KEY} metadata)')
    return json.loads(meta[SIGNATURE_KEY])


def check_matches(session, wrapper, path: str, config: str) -> None:
    """The ONNX file was exported from a model of this config (types, class
    count, inputs, outputs): else one error naming what differs."""
    got, want = file_signature(session, path), wrapper.signature()
    differ = [f'{k} {got.get(k)!r} (config: {want.get(k)!r})'
              for k in sorted(set(got) | set(want))
              if got.get(k) != want.get(k)]
    if differ:
        raise DataError(f'{path} does not match the config {config}: '
                        + ', '.join(differ))


class OrtModel:
    """``test_step`` of ``model`` with its network in ONNX Runtime.

    Args:
        model: the PyTorch model of the config (its weights are not used).
        onnx_file: written by ``tools/deployment/export_onnx.py`` from a
            model of the same config.
        threads: ONNX Runtime intra-op threads (default: its own choice).
    """

    def __init__(self, model: nn.Module, onnx_file: str,
                 threads: Optional[int] = None):
        if not osp.isfile(onnx_file):
            raise FileNotFoundError(f'ONNX file {onnx_file} does not exist')
        try:
            self.session = ort_session(onnx_file, threads)
        except DataError:
            raise
        except Exception as err:  # onnxruntime's own error types
            raise DataError(f'{onnx_file}: ONNX Runtime cannot load it '
                            f'({str(err).splitlines()[0]})') from err
        self.model = model
        self.onnx_file = onnx_file
        self.wrapper = wrapper_for(model)
        check_matches(self.session, self.wrapper, onnx_file,
                      getattr(model.cfg, 'filename', None) or 'given')
        self.input_shapes = {i.name: i.shape
                             for i in self.session.get_inputs()}

    def __getattr__(self, name):
        # cfg, input_kind, cls_head, encoder...: the PyTorch model's
        if 'model' not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__['model'], name)

    def _feed(self, inputs) -> dict:
        feed = {}
        for name, arg in zip(self.wrapper.input_names,
                             self.wrapper.tensors(inputs)):
            shape = self.input_shapes[name]
            fixed = [(d, want, got) for d, (want, got) in
                     enumerate(zip(shape, arg.shape)) if isinstance(want, int)
                     and want != got]
            if len(shape) != arg.dim() or fixed:
                raise DataError(
                    f'{self.onnx_file}: input {name!r} has shape {shape}, '
                    f'the config\'s pipeline gives {tuple(arg.shape)}')
            feed[name] = arg.detach().cpu().numpy()
        return feed

    def run(self, inputs) -> list:
        """The graph's outputs (tensors) for the preprocessed ``inputs``."""
        feed = self._feed(inputs)
        try:
            outputs = self.session.run(list(self.wrapper.output_names), feed)
        except Exception as err:  # onnxruntime's own error types
            shapes = {k: v.shape for k, v in feed.items()}
            raise DataError(f'{self.onnx_file}: ONNX Runtime failed on inputs '
                            f'{shapes} ({str(err).splitlines()[0]})') from err
        return [torch.from_numpy(np.asarray(o)) for o in outputs]

    def test_step(self, data) -> list:
        """As the PyTorch model's ``test_step``: preprocess, run, results."""
        data = self.model.data_preprocessor(data, False)
        return self.wrapper.results(self.run(data['inputs']),
                                    data['data_samples'])
