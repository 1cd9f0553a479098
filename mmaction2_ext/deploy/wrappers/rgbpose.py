"""RGB + pose recognizers (PCAN: MMRecognizer3D with PCANHead)."""
from typing import Dict

import torch

from .base import ExportWrapper, set_scores

MODALITIES = ('imgs', 'heatmap_imgs')


class RGBPoseExport(ExportWrapper):
    """``imgs`` (N, clips, 3, T, H, W) and ``heatmap_imgs`` (N, clips, J,
    T', H', W') -> the head's clip-averaged score sets (PCAN: ``rgb``,
    ``pose``, ``rgb_coarse``, ``pose_coarse``, each (N, K), with the
    prototype rectification of the eval forward), i.e. the ``pred_score``
    dict of ``tools/test.py --dump``; then ``action`` and ``body``, the
    mean of the fine and of the coarse sets (the fusion of
    :func:`~mmaction2_ext.evaluation.functional.dump.split_score`, which
    the Python backends apply to the dump's dict)."""
    input_names = MODALITIES
    fused = ('action', 'body')

    def __init__(self, model):
        super().__init__(model)
        from ...models.heads.pcan_head import SCORE_KEYS
        self.score_keys = SCORE_KEYS
        self.output_names = (*SCORE_KEYS, *self.fused)

    @property
    def axes(self) -> Dict[str, Dict[int, str]]:
        # clip length fixed: FeatureInteraction pools both streams to 8
        # temporal tokens and gates the RGB features (8 frames) with them
        return {m: {0: 'batch', 1: 'clips'} for m in MODALITIES}

    def forward(self, imgs: torch.Tensor, heatmap_imgs: torch.Tensor):
        clips = imgs.shape[1]
        feats, kwargs = self.model.extract_feat(
            dict(imgs=imgs, heatmap_imgs=heatmap_imgs), test_mode=True)
        head = self.model.cls_head
        raw = head(feats, **kwargs)
        scores = [head.average_clip(raw[k], num_segs=clips)
                  for k in self.score_keys]
        fine = [s for k, s in zip(self.score_keys, scores)
                if not k.endswith('_coarse')]
        coarse = [s for k, s in zip(self.score_keys, scores)
                  if k.endswith('_coarse')]
        return (*scores, torch.stack(fine).mean(0),
                torch.stack(coarse).mean(0))

    def tensors(self, inputs):
        return tuple(inputs[m] for m in MODALITIES)

    def results(self, outputs, data_samples):
        return set_scores(data_samples, outputs[:len(self.score_keys)],
                          self.score_keys)

    def signature(self):
        return dict(super().signature(),
                    num_classes=self.model.cls_head.num_classes)
