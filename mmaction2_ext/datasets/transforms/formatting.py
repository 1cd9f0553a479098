"""``PackPoseKeypoints``: ship keypoints instead of heatmaps.

Replaces ``GeneratePoseTarget -> FormatShape -> PackActionInputs`` at the end
of a PoseC3D / RGBPoseConv3D pipeline when ``HeatmapDataPreprocessor``
renders the heatmaps on the model's device: a worker then sends
(K, M, T, V, 2) coordinates instead of (K, C, T, H, W) maps.
"""
from typing import Dict, Optional, Sequence

import numpy as np
from mmaction.datasets.transforms.formatting import PackActionInputs
from mmaction.registry import TRANSFORMS
from mmcv.transforms import to_tensor

from ...utils import data_error
from .heatmaps import checked_keypoints, sample_name


@TRANSFORMS.register_module()
class PackPoseKeypoints(PackActionInputs):
    """Pack ``keypoint`` (K, M, T, V, 2) and ``keypoint_score``
    (K, M, T, V) float32 for K = ``num_clips`` clips of T = ``clip_len``
    (``clip_len['Pose']`` for RGB+Pose) frames, plus ``collect_keys``.

    ``inputs`` is a dict; ``img_shape`` must stay in ``meta_keys`` (the
    renderer sizes the heatmaps from it). Scores default to ones as in
    ``GeneratePoseTarget``. Non-finite coordinates of scored joints are an
    error; those of unscored joints are shipped as they are (the renderer
    never draws them, and refuses them with ``use_score=False``).

    Args:
        double (bool): ask the renderer for the horizontally flipped copy
            too, as ``GeneratePoseTarget(double=True)`` (test-time flip; the
            flip lists are the renderer's). Sets ``heatmap_double`` in the
            data sample's metainfo.
    """

    def __init__(self, collect_keys: Optional[Sequence[str]] = None,
                 meta_keys: Sequence[str] = ('img_shape', 'img_key',
                                             'video_id', 'timestamp'),
                 algorithm_keys: Sequence[str] = (),
                 double: bool = False) -> None:
        if 'img_shape' not in meta_keys:
            raise ValueError('PackPoseKeypoints needs img_shape in meta_keys')
        super().__init__(collect_keys=tuple(collect_keys or ()),
                         meta_keys=meta_keys, algorithm_keys=algorithm_keys)
        self.double = double

    def transform(self, results: Dict) -> Dict:
        name = sample_name(results)
        kps, score = checked_keypoints(results)
        m, total, v = score.shape
        score = score.astype(np.float32)
        clips = results.get('num_clips', 1)
        clip_len = results.get('clip_len', total)
        clip_len = clip_len['Pose'] if isinstance(clip_len, dict) else clip_len
        if clips * clip_len != total:
            raise data_error(name, f'{total} frames are not num_clips={clips} '
                             f'x clip_len={clip_len}', field='keypoint')
        packed = super().transform(results)
        packed['inputs']['keypoint'] = to_tensor(np.ascontiguousarray(
            kps.reshape(m, clips, clip_len, v, 2).transpose(1, 0, 2, 3, 4)))
        packed['inputs']['keypoint_score'] = to_tensor(np.ascontiguousarray(
            score.reshape(m, clips, clip_len, v).transpose(1, 0, 2, 3)))
        if self.double:
            packed['data_samples'].set_metainfo(dict(heatmap_double=True))
        return packed
