"""Render pose heatmaps on the model's device from packed keypoints."""
from typing import Dict, List, Optional

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
        the input the next preprocessor's ``stack_batch`` takes; it stacks
        them into a copy (a small share of an iteration:
        ``benchmarks/heatmap_handover.py``).
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
        return list(heat.unbind(0))


def _stack_persons(xs: List[Tensor]) -> Tensor:
    """(K, M_i, ...) per sample -> (B, K, max M_i, ...), zero-padded."""
    return pad_sequence([x.transpose(0, 1) for x in xs],
                        batch_first=True).transpose(1, 2)
