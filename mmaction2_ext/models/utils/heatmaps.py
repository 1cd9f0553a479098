"""Pose heatmaps rendered in torch on the model's device, after collation.

The same maths as :class:`FastGeneratePoseTarget` (stock
``GeneratePoseTarget``): Gaussians of peak ``s`` and width ``sigma`` around
keypoints / around limb segments, cut to the stock +-3 sigma windows, max over
persons. Here every window is evaluated densely over the (H, W) grid with a
mask, which suits a GPU: data workers only ship keypoints.
"""
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor

from ...datasets.transforms.heatmaps import (EPS, channel_layout,
                                             check_skeletons, flip_indices)
from ...utils import data_error

_NAME = 'HeatmapDataPreprocessor'  # what error messages call the batch
# elements per temporary tensor; frames are rendered in chunks below this
_CHUNK_ELEMS = 2**25


def _window(lo: Tensor, hi: Tensor, sigma: float, size: int
            ) -> Tuple[Tensor, Tensor]:
    """Stock window ``[max(int(lo - 3s), 0), min(int(hi + 3s) + 1, size))``."""
    reach = torch.tensor(3 * sigma, dtype=torch.float32)
    start = torch.clamp(torch.trunc(lo - reach), 0, size)
    end = torch.clamp(torch.trunc(hi + reach) + 1, 0, size)
    return start, end


def _masked(d2: Tensor, value: Tensor, x0: Tensor, x1: Tensor, y0: Tensor,
            y1: Tensor, sigma: float) -> Tensor:
    """``value * exp(-d2 / 2 sigma^2)`` inside the windows, else 0.

    d2: (..., H, W); the other tensors (...).
    """
    xs, ys = _grid(*d2.shape[-2:], d2)
    inside = ((xs >= x0[..., None]) & (xs < x1[..., None]))[..., None, :] & \
        ((ys >= y0[..., None, None]) & (ys < y1[..., None, None]))
    inside &= (value >= EPS)[..., None, None]
    # -(d2) / 2 / sigma^2 in float32, rounded as the stock code rounds it
    scale = -2 * torch.tensor(sigma**2, dtype=torch.float32)
    heat = torch.exp(d2 / scale) * value[..., None, None]
    return torch.where(inside, heat, torch.zeros((), device=d2.device))


def _grid(h: int, w: int, like: Tensor) -> Tuple[Tensor, Tensor]:
    xs = torch.arange(w, device=like.device, dtype=torch.float32)
    ys = torch.arange(h, device=like.device, dtype=torch.float32)
    return xs, ys[:, None]


def keypoint_maps(kps: Tensor, value: Tensor, hw: Tuple[int, int],
                  sigma: float) -> Tensor:
    """Keypoint Gaussians of one person. kps (N, V, 2), value (N, V).

    Returns (N, V, H, W).
    """
    xs, ys = _grid(*hw, kps)
    mx, my = kps[..., 0, None, None], kps[..., 1, None, None]
    d2 = (xs - mx)**2 + (ys - my)**2
    x0, x1 = _window(kps[..., 0], kps[..., 0], sigma, hw[1])
    y0, y1 = _window(kps[..., 1], kps[..., 1], sigma, hw[0])
    return _masked(d2, value, x0, x1, y0, y1, sigma)


def limb_maps(kps: Tensor, value: Tensor, skeletons: Tensor,
              hw: Tuple[int, int], sigma: float) -> Tensor:
    """Limb Gaussians of one person. kps (N, V, 2), value (N, V),
    skeletons (L, 2) joint indices. Returns (N, L, H, W).

    Point-to-segment distance as the stock code computes it; limbs shorter
    than a pixel are drawn as their start keypoint with its score.
    """
    xs, ys = _grid(*hw, kps)
    a, b = kps[:, skeletons[:, 0]], kps[:, skeletons[:, 1]]
    va, vb = value[:, skeletons[:, 0]], value[:, skeletons[:, 1]]
    ax, ay = a[..., 0, None, None], a[..., 1, None, None]
    bx, by = b[..., 0, None, None], b[..., 1, None, None]
    d2_a = (xs - ax)**2 + (ys - ay)**2
    d2_b = (xs - bx)**2 + (ys - by)**2
    d2_ab = (ax - bx)**2 + (ay - by)**2
    point = d2_ab < 1
    d2_ab = torch.where(point, torch.ones_like(d2_ab), d2_ab)
    coeff = (d2_a - d2_b + d2_ab) / (2 * d2_ab)
    d2_line = (xs - (ax + coeff * (bx - ax)))**2 + (
        ys - (ay + coeff * (by - ay)))**2
    d2 = torch.where(coeff <= 0, d2_a, torch.where(coeff >= 1, d2_b, d2_line))
    d2 = torch.where(point, d2_a, d2)

    point = point[..., 0, 0]
    min_v = torch.minimum(va, vb)
    x0, x1 = _window(torch.minimum(a[..., 0], b[..., 0]),
                     torch.maximum(a[..., 0], b[..., 0]), sigma, hw[1])
    y0, y1 = _window(torch.minimum(a[..., 1], b[..., 1]),
                     torch.maximum(a[..., 1], b[..., 1]), sigma, hw[0])
    # a limb is skipped on min(s_a, s_b) and its box even if drawn as a point
    skip = (min_v < EPS) | (x1 <= x0) | (y1 <= y0)
    px0, px1 = _window(a[..., 0], a[..., 0], sigma, hw[1])
    py0, py1 = _window(a[..., 1], a[..., 1], sigma, hw[0])
    value = torch.where(skip, torch.zeros_like(va),
                        torch.where(point, va, min_v))
    return _masked(d2, value, torch.where(point, px0, x0),
                   torch.where(point, px1, x1), torch.where(point, py0, y0),
                   torch.where(point, py1, y1), sigma)


def render_heatmaps_torch(kps: Tensor, value: Tensor, hw: Tuple[int, int],
                          sigma: float = 0.6, with_kp: bool = True,
                          with_limb: bool = False,
                          skeletons: Sequence[Sequence[int]] = (),
                          separate_limb_channels: bool = False) -> Tensor:
    """Heatmaps of N frames: kps (N, M, V, 2) in heatmap pixels, value
    (N, M, V) peak values (0 for padded persons). Returns (N, C, H, W)."""
    n, num_m, num_v = value.shape
    skel = torch.as_tensor(skeletons, dtype=torch.long,
                           device=kps.device).reshape(-1, 2)
    num_c, offset = channel_layout(num_v, len(skel), with_kp, with_limb,
                                   separate_limb_channels)
    out = kps.new_zeros((n, num_c) + tuple(hw))
    chunk = max(1, _CHUNK_ELEMS // max(1, num_c * hw[0] * hw[1]))
    for lo in range(0, n, chunk):
        part = out[lo:lo + chunk]
        for m in range(num_m):
            k, v = kps[lo:lo + chunk, m], value[lo:lo + chunk, m]
            if with_kp:
                part[:, :num_v] = torch.maximum(part[:, :num_v],
                                                keypoint_maps(k, v, hw, sigma))
            if with_limb:
                sl = slice(offset, offset + len(skel))
                part[:, sl] = torch.maximum(part[:, sl],
                                            limb_maps(k, v, skel, hw, sigma))
    return out


class PoseHeatmapRenderer:
    """Batched ``GeneratePoseTarget``: same arguments, torch on any device.

    ``__call__(keypoint, score, img_shape)``: keypoint (B, K, M, T, V, 2)
    for K clips of T frames, score (B, K, M, T, V), img_shape (h, w) before
    ``scaling``. Returns (B, K', C, T, H, W) like the stock transform followed
    by ``FormatShape('NCTHW_Heatmap')`` and batching: K' = 2K with ``double``
    (the K flipped clips after the K originals).
    """

    def __init__(self, sigma: float = 0.6, use_score: bool = True,
                 with_kp: bool = True, with_limb: bool = False,
                 skeletons: Sequence[Sequence[int]] = (
                     (0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (5, 7), (7, 9),
                     (0, 6), (6, 8), (8, 10), (5, 11), (11, 13), (13, 15),
                     (6, 12), (12, 14), (14, 16), (11, 12)),
                 double: bool = False,
                 left_kp: Sequence[int] = (1, 3, 5, 7, 9, 11, 13, 15),
                 right_kp: Sequence[int] = (2, 4, 6, 8, 10, 12, 14, 16),
                 left_limb: Sequence[int] = (0, 2, 4, 5, 6, 10, 11, 12),
                 right_limb: Sequence[int] = (1, 3, 7, 8, 9, 13, 14, 15),
                 scaling: float = 1.,
                 separate_limb_channels: bool = False) -> None:
        assert with_kp or with_limb, 'with_kp or with_limb must be True'
        self.sigma, self.use_score, self.scaling = sigma, use_score, scaling
        self.with_kp, self.with_limb = with_kp, with_limb
        self.skeletons = tuple(tuple(s) for s in skeletons)
        self.double = double
        self.flip_lists = (left_kp, right_kp, left_limb, right_limb)
        self.separate_limb_channels = separate_limb_channels

    def heatmap_shape(self, img_shape: Tuple[int, int]) -> Tuple[int, int]:
        """Heatmap (H, W) for an image of ``img_shape`` (stock rounding)."""
        return tuple(int(s * self.scaling + 0.5) for s in img_shape)

    def __call__(self, keypoint: Tensor, score: Tensor,
                 img_shape: Tuple[int, int],
                 num_person: Optional[Sequence[int]] = None) -> Tensor:
        """``num_person``: real persons per sample; the rest is padding."""
        b, k, m, t, v = score.shape
        if self.with_limb:  # before indexing with them, on any device
            check_skeletons(self.skeletons, v, _NAME)
        kps = keypoint[..., :2].float() * torch.tensor(self.scaling,
                                                       dtype=torch.float32)
        value = score.float() if self.use_score else torch.ones_like(
            score, dtype=torch.float32)
        if num_person is not None:
            real = torch.arange(m, device=score.device) < torch.as_tensor(
                num_person, device=score.device)[:, None]
            value = value * real[:, None, :, None, None]
        kps = _finite_drawn(kps, value)
        # frames first: (B K T, M, V, 2)
        kps = kps.permute(0, 1, 3, 2, 4, 5).reshape(b * k * t, m, v, 2)
        value = value.permute(0, 1, 3, 2, 4).reshape(b * k * t, m, v)
        heat = render_heatmaps_torch(
            kps, value, self.heatmap_shape(img_shape), self.sigma,
            self.with_kp, self.with_limb, self.skeletons,
            self.separate_limb_channels)
        heat = heat.reshape((b, k, t) + heat.shape[1:])
        if self.double:
            idx = torch.as_tensor(
                flip_indices(heat.shape[3], self.with_kp, *self.flip_lists,
                             name=_NAME),
                device=heat.device)
            heat = torch.cat([heat, heat.flip(-1)[:, :, :, idx]], dim=1)
        return heat.transpose(2, 3).contiguous()


def _finite_drawn(kps: Tensor, value: Tensor) -> Tensor:
    """``kps`` with non-finite coordinates set to 0; those of drawn joints
    (``value >= EPS``) are a :class:`DataError`, as the stock transform
    cannot draw them either."""
    finite = torch.isfinite(kps).all(-1)
    bad = ~finite & (value >= EPS)
    if bad.any():
        b = int(bad.flatten(1).any(1).nonzero()[0])
        raise data_error(_NAME, 'non-finite coordinates of a joint to draw '
                         '(scored, or any joint with use_score=False)',
                         sample=b, field='keypoint')
    return torch.where(finite[..., None], kps, torch.zeros_like(kps))
