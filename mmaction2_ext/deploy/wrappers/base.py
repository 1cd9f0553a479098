"""What every export wrapper says about its graph."""
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn


class ExportWrapper(nn.Module):
    """A model's predict path up to its outputs, as one traceable module.

    Subclasses set ``input_names``, ``output_names`` and ``axes`` (per
    input, ``{dim: axis name}`` of the dims the model allows to vary:
    ``batch``, ``clips``, ``persons``, ``frames``...), and implement
    ``forward``, :meth:`tensors` and :meth:`results`.
    """
    input_names: Tuple[str, ...] = ()
    output_names: Tuple[str, ...] = ()

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    @property
    def axes(self) -> Dict[str, Dict[int, str]]:
        raise NotImplementedError

    def tensors(self, inputs) -> Tuple[torch.Tensor, ...]:
        """The graph's inputs from the data preprocessor's ``inputs``."""
        raise NotImplementedError

    def results(self, outputs: Sequence[torch.Tensor], data_samples):
        """What the model's ``predict`` returns, from the graph's outputs."""
        raise NotImplementedError

    def signature(self) -> Dict[str, object]:
        """What an ONNX file must match to stand for this config's model:
        model / backbone / head types, inputs and outputs with their sizes
        on the fixed dims (stored in the file's metadata)."""
        parts = {k: type(getattr(self.model, k)).__name__
                 for k in ('backbone', 'cls_head') if hasattr(self.model, k)}
        return dict(model=type(self.model).__name__, **parts,
                    inputs=list(self.input_names),
                    outputs=list(self.output_names))

    def axis_names(self) -> List[str]:
        """Every dynamic axis name, in order of first use."""
        names = []
        for dims in self.axes.values():
            names += [n for n in dims.values() if n not in names]
        return names


def set_scores(data_samples, scores, keys=None):
    """``pred_score`` (and ``pred_label``) per sample from ``(N, K)``
    scores, or a dict of them under ``keys`` (as PCAN's head sets)."""
    for i, sample in enumerate(data_samples):
        if keys is None:
            sample.set_pred_score(scores[i])
            sample.set_pred_label(scores[i].argmax(-1, keepdim=True))
        else:
            sample.set_pred_score({k: s[i] for k, s in zip(keys, scores)})
    return data_samples
