"""Export a model's predict path to ONNX (torch's ``dynamo=True``
exporter), check it with ONNX Runtime against PyTorch, then write it.

The file is written only when every output of ONNX Runtime is within the
tolerance of PyTorch's on the same inputs, through a temporary file that is
renamed into place (:func:`~mmaction2_ext.utils.io.atomic_write`).
"""
import contextlib
import json
import logging
import os
import os.path as osp
import tempfile
import warnings
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from ..utils import DataError
from ..utils.io import WriteError, atomic_write
from . import extra
from .wrappers import ExportWrapper, wrapper_for

DEFAULT_OPSET = 18
TOLERANCE = 1e-4
#: metadata key of the model signature (see ExportWrapper.signature)
SIGNATURE_KEY = 'mmaction2_ext.signature'


#: loggers of the exporter's notes: torchvision ops it skips, an opset it
#: falls back from (with onnxscript's converter traceback)
EXPORTER_LOGGERS = ('torch.onnx', 'onnxscript')


@contextlib.contextmanager
def quiet_exporter():
    """Keep the exporter's notes and warnings off stderr: a failure still
    raises, and a fallback opset is refused by :func:`export_onnx`."""
    loggers = [logging.getLogger(name) for name in EXPORTER_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def check_writable(path: str) -> None:
    """Fail before the (slow) export when ``path`` cannot be written."""
    folder = osp.dirname(osp.abspath(path))
    if osp.isdir(path):
        raise WriteError(f'cannot write {path}: it is a folder')
    probe = folder
    while not osp.exists(probe):
        probe = osp.dirname(probe)
    if not osp.isdir(probe):
        raise WriteError(f'cannot write {path}: {probe} is not a folder')
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                                   dir=folder)
    except OSError as err:
        raise WriteError(f'cannot write {path}: {err.strerror}') from err
    os.close(fd)
    os.remove(tmp)


def expanded(args: Sequence[torch.Tensor], wrapper: ExportWrapper,
             dynamic: Sequence[str]) -> Tuple[torch.Tensor, ...]:
    """The example inputs with every dynamic dim of size 1 repeated to 2:
    the exporter takes a size-1 dim for a constant."""
    out = []
    for name, arg in zip(wrapper.input_names, args):
        for dim, axis in wrapper.axes[name].items():
            if axis in dynamic and arg.shape[dim] == 1:
                arg = torch.cat([arg, arg], dim)
        out.append(arg)
    return tuple(out)


def dynamic_shapes(wrapper: ExportWrapper, dynamic: Sequence[str]):
    """``torch.export`` dims, one shared ``Dim`` per axis name."""
    dims = {a: torch.export.Dim(a, min=1) for a in dynamic}
    return tuple({d: dims[a] for d, a in wrapper.axes[name].items()
                  if a in dims} for name in wrapper.input_names)


def ort_session(model_bytes_or_path, threads: Optional[int] = None):
    """A CPU ONNX Runtime session (``threads`` intra-op threads)."""
    ort = extra.require('onnxruntime')
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(model_bytes_or_path, options,
                                providers=['CPUExecutionProvider'])


def as_list(outputs) -> list:
    return list(outputs) if isinstance(outputs, (tuple, list)) \
        else [outputs]


def max_difference(session, wrapper: ExportWrapper,
                   args: Sequence[torch.Tensor]) -> float:
    """Largest |ONNX Runtime - PyTorch| over every output element."""
    with torch.no_grad():
        ref = as_list(wrapper(*args))
    got = session.run(list(wrapper.output_names), {
        n: a.cpu().numpy() for n, a in zip(wrapper.input_names, args)})
    return max(float(np.abs(g - r.cpu().numpy()).max())
               for g, r in zip(got, ref))


def file_opset(proto) -> int:
    """The ONNX (default domain) opset of a ``ModelProto``."""
    return next(o.version for o in proto.opset_import
                if o.domain in ('', 'ai.onnx'))


def export_onnx(model: nn.Module, inputs, out: str,
                opset: Optional[int] = None,
                dynamic: Optional[Sequence[str]] = None,
                tolerance: float = TOLERANCE) -> Dict[str, object]:
    """Export ``model`` (eval mode) for the preprocessed batch ``inputs``
    (``example_batch(model)['inputs']``), check it, write ``out``.

    Args:
        opset: ONNX opset (default ``DEFAULT_OPSET``).
        dynamic: axis names left free (default: every one the model
            allows, ``ExportWrapper.axes``); ``[]`` fixes every shape.

    Returns:
        ``dynamic`` (the free axes), ``opset``, ``max_diff`` and
        ``inputs`` (the checked shapes).
    """
    extra.require()
    check_writable(out)
    wrapper = wrapper_for(model).eval()
    allowed = wrapper.axis_names()
    dynamic = allowed if dynamic is None else list(dynamic)
    unknown = sorted(set(dynamic) - set(allowed))
    if unknown:
        raise DataError(f'--dynamic {" ".join(unknown)}: this model allows '
                        f'{" ".join(allowed) or "no dynamic axes"}')
    opset = DEFAULT_OPSET if opset is None else opset
    if opset < 1:
        raise DataError(f'--opset {opset}: must be >= 1')
    args = tuple(a.detach() for a in wrapper.tensors(inputs))
    with torch.no_grad(), quiet_exporter():
        program = torch.onnx.export(
            wrapper, expanded(args, wrapper, dynamic), dynamo=True,
            opset_version=opset, verbose=False,
            dynamic_shapes=dynamic_shapes(wrapper, dynamic),
            input_names=list(wrapper.input_names),
            output_names=list(wrapper.output_names))
    proto = program.model_proto
    written = file_opset(proto)
    if written != opset:
        # the exporter falls back to its own opset when it cannot convert
        raise DataError(f'{out} not written: --opset {opset} was asked for, '
                        f'but torch {torch.__version__} exported this model '
                        f'as opset {written} (use --opset {written})')
    meta = proto.metadata_props.add()
    meta.key, meta.value = SIGNATURE_KEY, json.dumps(wrapper.signature())
    data = proto.SerializeToString()
    diff = max_difference(ort_session(data), wrapper, args)
    shapes = {n: tuple(a.shape) for n, a in zip(wrapper.input_names, args)}
    if not diff <= tolerance:
        raise DataError(f'{out} not written: ONNX Runtime differs from '
                        f'PyTorch by {diff:.3g} (> tolerance {tolerance:g}) '
                        f'on the test inputs {shapes}')
    with atomic_write(out, 'wb') as f:
        f.write(data)
    return dict(dynamic=dynamic, opset=opset, max_diff=diff, inputs=shapes)
