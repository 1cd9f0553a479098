"""Render pose heatmaps on the model's device from packed keypoints."""
from typing import Dict, List, Optional

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseDataPreprocessor
from torch import Tensor
from torch.nn.utils.rnn import pad_sequence

from ...utils import data_error
from ..utils.heatmaps import PoseHeatmapRenderer


@MODELS.register_module()
class HeatmapDataPreprocessor(BaseDataPreprocessor):
    """Turn ``PackPoseKeypoints`` output into ``heatmap_imgs`` on device.

    The heatmaps are drawn on the device the batch is on (the model's), in
    one vectorised pass over the whole batch; samples packed with
    ``PackPoseKeypoints(double=True)`` also get the flipped copy.

    Renders (B, K', C, T, H, W) heatmaps exactly as ``GeneratePoseTarget``
    + ``FormatShape`` would have in the data workers, then hands the batch to
    ``preprocessor``: an ``ActionDataPreprocessor`` for PoseC3D (the
    heatmaps become the inputs), a ``MultiModalDataPreprocessor`` for
    RGB+Pose (inputs ``{'imgs', 'heatmap_imgs'}``).

    Args:
        heatmap (dict): ``GeneratePoseTarget`` arguments (sigma, use_score,
            with_kp, with_limb, skeletons, double, left/right kp and limb
            lists, scaling, separate_limb_channels).
        preprocessor (dict): the data preprocessor that follows.
    """

    def __init__(self, heatmap: Dict,
                 preprocessor: Optional[Dict] = None) -> None:
        super().__init__()
        self.renderer = PoseHeatmapRenderer(**heatmap)
        self.preprocessor = MODELS.build(
            preprocessor or dict(type='ActionDataPreprocessor',
                                 format_shape='NCTHW'))

    def forward(self, data: Dict, training: bool = False) -> Dict:
        # only the keypoints: ``preprocessor`` casts the rest (data samples
        # and RGB frames) itself
        inputs = dict(data['inputs'])
        keypoints, scores = self.cast_data((inputs.pop('keypoint'),
                                            inputs.pop('keypoint_score')))
        heatmaps = self.render(keypoints, scores, data['data_samples'])
        data = dict(data, inputs=dict(inputs, heatmap_imgs=heatmaps)
                    if inputs else heatmaps)
        return self.preprocessor(data, training)

    def render(self, keypoints: List[Tensor], scores: List[Tensor],
               data_samples: List) -> List[Tensor]:
        """Per sample (K, M, T, V, 2) / (K, M, T, V) -> list of (K', C, T, H,
        W); padded persons are never drawn.

        The list holds the rows of one rendered (B, K', C, T, H, W) batch,
        which ``torch.stack`` (the next preprocessor's ``stack_batch``)
        hands back without copying it (:class:`BatchRow`).
        """
        name = type(self).__name__
        shapes = {tuple(int(s) for s in ds.img_shape) for ds in data_samples}
        if len(shapes) != 1:
            raise data_error(name, 'samples of one batch need one img_shape '
                             f'for the heatmaps, got {sorted(shapes)}',
                             field='img_shape')
        double = {ds.metainfo.get('heatmap_double', False)
                  for ds in data_samples}
        if len(double) != 1:
            raise data_error(name, 'samples of one batch must all or none '
                             'ask for the flipped heatmaps '
                             '(PackPoseKeypoints double=True)',
                             field='heatmap_double')
        heat = self.renderer(_stack_persons(keypoints),
                             _stack_persons(scores), shapes.pop(),
                             [k.shape[1] for k in keypoints],
                             double=double.pop() or None)
        return BatchRow.rows(heat)


def _stack_persons(xs: List[Tensor]) -> Tensor:
    """(K, M_i, ...) per sample -> (B, K, max M_i, ...), zero-padded."""
    return pad_sequence([x.transpose(0, 1) for x in xs],
                        batch_first=True).transpose(1, 2)


class BatchRow(Tensor):
    """A row of a rendered (B, ...) ``batch``: a view into it.

    ``torch.stack`` of all the rows of one batch, in order along dim 0, is
    the batch itself, so the preprocessor that follows stacks them for
    free (``stack_batch``) and still runs every step it is configured for
    (format, normalisation, float32, blending). Any other op, or a stack
    of anything else, runs as on plain tensors and returns plain tensors.
    """

    batch: Tensor

    @staticmethod
    def rows(batch: Tensor) -> List['BatchRow']:
        rows = [row.as_subclass(BatchRow) for row in batch.unbind(0)]
        for row in rows:
            row.batch = batch
        return rows

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        with torch._C.DisableTorchFunctionSubclass():
            if func is torch.stack:
                batch = _whole_batch(*args, **kwargs)
                if batch is not None:
                    return batch
            return func(*args, **kwargs)


def _whole_batch(tensors, dim: int = 0, out=None) -> Optional[Tensor]:
    """The batch whose rows ``tensors`` are, all of them in order and still
    views of it (so stacking them would copy it); else None."""
    rows = list(tensors)
    if out is not None or dim != 0 or not rows or \
            not all(isinstance(row, BatchRow) for row in rows):
        return None
    batch = rows[0].batch
    if len(rows) != len(batch) or not batch.is_contiguous():
        return None
    step = batch.stride(0) * batch.element_size()
    return batch if all(
        row.batch is batch and row.shape == batch.shape[1:] and
        row.stride() == batch.stride()[1:] and
        row.data_ptr() == batch.data_ptr() + index * step
        for index, row in enumerate(rows)) else None
