"""Single-input recognizers: ST-GCN and ProtoGCN (RecognizerGCN, every
stream: j / b / k and motion are made by the pipeline, the network is the
same) and PoseC3D with MiGA's embedding head (Recognizer3D)."""
from typing import Dict

import torch

from .base import ExportWrapper, set_scores


class RecognizerExport(ExportWrapper):
    """``inputs`` (N, clips, ...) -> ``scores`` (N, K): backbone, head and
    the head's own clip averaging (``average_clips``), the ``pred_score``
    of ``tools/test.py --dump``."""
    input_names = ('inputs', )
    output_names = ('scores', )
    # dims that may vary, per recognizer type: GCN (N, clips, M, T, V, C),
    # 3D (N, clips, C, T, H, W); H and W stay as the pipeline makes them
    AXES = dict(
        RecognizerGCN={0: 'batch', 1: 'clips', 2: 'persons', 3: 'frames'},
        Recognizer3D={0: 'batch', 1: 'clips', 3: 'frames'})

    @property
    def axes(self) -> Dict[str, Dict[int, str]]:
        return dict(inputs=self.AXES[type(self.model).__name__])

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        feats, kwargs = self.model.extract_feat(inputs, test_mode=True)
        scores = self.model.cls_head(feats, **kwargs)
        return self.model.cls_head.average_clip(scores,
                                                num_segs=inputs.shape[1])

    def tensors(self, inputs):
        return (inputs, )

    def results(self, outputs, data_samples):
        return set_scores(data_samples, outputs[0])

    def signature(self):
        return dict(super().signature(),
                    num_classes=self.model.cls_head.num_classes)
