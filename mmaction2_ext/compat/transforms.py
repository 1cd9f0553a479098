"""numpy-2-safe ``PoseCompact`` and ``MMCompact`` (stack.md C).

mmaction2 1.2.0 computes the keypoint bounding box with ``np.Inf``, which numpy 2
removed. We re-register both transforms under their stock names (``force=True``)
so every stock or project config keeps working, with identical outputs.
"""
from typing import Dict, Optional, Tuple

import numpy as np
import mmaction.datasets.transforms  # noqa: F401  (stock names first, then ours)
from mmaction.datasets.transforms.pose_transforms import (MMCompact,
                                                         PoseCompact,
                                                         _combine_quadruple)
from mmaction.registry import TRANSFORMS


def compact_box(keypoint: np.ndarray, img_shape: Tuple[int, int],
                padding: float, threshold: float,
                hw_ratio: Optional[Tuple[float, float]],
                allow_imgpad: bool) -> Optional[Tuple[int, int, int, int]]:
    """Padded box ``(min_x, min_y, max_x, max_y)`` around non-zero keypoints.

    Args:
        keypoint: (..., 2+) array, zeros mark missing joints.
        img_shape: (h, w) of the frame.

    Returns:
        None when the tight box is narrower or lower than ``threshold``
        (the stock transforms then leave the sample untouched).
    """
    h, w = img_shape
    kp_x, kp_y = keypoint[..., 0], keypoint[..., 1]
    min_x = np.min(kp_x[kp_x != 0], initial=np.inf)
    min_y = np.min(kp_y[kp_y != 0], initial=np.inf)
    max_x = np.max(kp_x[kp_x != 0], initial=-np.inf)
    max_y = np.max(kp_y[kp_y != 0], initial=-np.inf)
    if max_x - min_x < threshold or max_y - min_y < threshold:
        return None

    center_x, center_y = (max_x + min_x) / 2, (max_y + min_y) / 2
    half_w = (max_x - min_x) / 2 * (1 + padding)
    half_h = (max_y - min_y) / 2 * (1 + padding)
    if hw_ratio is not None:
        half_h = max(hw_ratio[0] * half_w, half_h)
        half_w = max(1 / hw_ratio[1] * half_h, half_w)
    min_x, max_x = center_x - half_w, center_x + half_w
    min_y, max_y = center_y - half_h, center_y + half_h
    if not allow_imgpad:
        return (int(max(0, min_x)), int(max(0, min_y)), int(min(w, max_x)),
                int(min(h, max_y)))
    return int(min_x), int(min_y), int(max_x), int(max_y)


@TRANSFORMS.register_module(name='PoseCompact', force=True)
class PoseCompactNp2(PoseCompact):
    """Stock ``PoseCompact`` with the numpy-2 fix; same arguments and outputs."""

    def transform(self, results: Dict) -> Dict:
        h, w = results['img_shape']
        kp = results['keypoint']
        kp[np.isnan(kp)] = 0.
        box = compact_box(kp, (h, w), self.padding, self.threshold,
                          self.hw_ratio, self.allow_imgpad)
        if box is None:
            return results
        min_x, min_y, max_x, max_y = box
        kp_x, kp_y = kp[..., 0], kp[..., 1]
        kp_x[kp_x != 0] -= min_x
        kp_y[kp_y != 0] -= min_y
        results['img_shape'] = (max_y - min_y, max_x - min_x)
        # (x, y, w, h) in [0, 1], composed with any earlier crop
        new_quadruple = (min_x / w, min_y / h, (max_x - min_x) / w,
                         (max_y - min_y) / h)
        results['crop_quadruple'] = _combine_quadruple(
            results.get('crop_quadruple', (0., 0., 1., 1.)), new_quadruple)
        return results


@TRANSFORMS.register_module(name='MMCompact', force=True)
class MMCompactNp2(MMCompact):
    """Stock ``MMCompact`` with the numpy-2 fix; same arguments and outputs."""

    def _get_box(self, keypoint: np.ndarray, img_shape: Tuple[int]) -> Tuple:
        box = compact_box(keypoint, img_shape, self.padding, self.threshold,
                          self.hw_ratio, self.allow_imgpad)
        return (0, 0, img_shape[1], img_shape[0]) if box is None else box
