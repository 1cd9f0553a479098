"""HAAN: its networks (encoder, fine-level classifier) in the graph; the
detections stay in Python (:meth:`HAAN.detections`, shared by every
backend)."""
from typing import Dict

import torch

from .base import ExportWrapper


class HAANExport(ExportWrapper):
    """``features`` (B, T, D) padded clip features -> ``logits`` (B, T, C)
    per-clip fine-class logits (``HAAN.forward(mode='tensor')``)."""
    input_names = ('features', )
    output_names = ('logits', )

    @property
    def axes(self) -> Dict[str, Dict[int, str]]:
        return dict(features={0: 'batch', 1: 'clips'})

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.model(features, None, mode='tensor')

    def tensors(self, inputs):
        return (inputs, )

    def results(self, outputs, data_samples):
        return self.model.detections(outputs[0], data_samples)

    def signature(self):
        return dict(super().signature(),
                    feature_size=self.model.encoder.hidden_layer.in_features,
                    num_classes=self.model.fine_level_classifier.out_layer
                    .out_features)
