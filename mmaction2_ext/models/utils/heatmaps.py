"""Pose heatmaps rendered in torch on the model's device, after collation.

The same maths as :class:`FastGeneratePoseTarget` (stock
``GeneratePoseTarget``): Gaussians of peak ``s`` and width ``sigma`` around
keypoints / around limb segments, cut to the stock +-3 sigma windows, max over
persons. Every Gaussian of the batch (frame, person, channel) is evaluated on a
tile the size of its window (padded to a few sizes, one tensor op per size),
and written straight into the (B, K', C, T, H, W) heatmaps with a scatter-max
(a plain scatter when no two Gaussians share a plane; the ``double`` copy at
mirrored positions); padded tile pixels go to a spare element. No Python loop
over samples, frames or persons; any device.
"""
import math
from typing import Iterator, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

from ...datasets.transforms.heatmaps import (EPS, channel_layout,
                                             check_skeletons, flip_indices)
from ...utils import data_error

_NAME = 'HeatmapDataPreprocessor'  # what error messages call the batch
# tile pixels per temporary tensor; larger passes are split into chunks
_CHUNK_ELEMS = 2**24


def _window(lo: Tensor, hi: Tensor, sigma: float, size: int
            ) -> Tuple[Tensor, Tensor]:
    """Stock window ``[max(int(lo - 3s), 0), min(int(hi + 3s) + 1, size))``."""
    reach = torch.tensor(3 * sigma, dtype=lo.dtype, device=lo.device)
    start = torch.clamp(torch.trunc(lo - reach), 0, size)
    end = torch.clamp(torch.trunc(hi + reach) + 1, 0, size)
    return start, end


class _Gaussians:
    """Flat table of Gaussians to draw: segment a-b (a point where
    ``point``), peak ``value`` (0: skip), window ``box`` = (x0, x1, y0, y1)
    and target ``plane``; ``plane[:, 1]``, if present, is where the
    horizontally mirrored copy goes (``double``)."""

    def __init__(self, a: Tensor, b: Tensor, value: Tensor, box: Tuple,
                 point: Tensor, plane: Tensor) -> None:
        self.a, self.b, self.value, self.box = a, b, value, box
        self.point, self.plane = point, plane

    def take(self, index) -> '_Gaussians':
        return _Gaussians(self.a[index], self.b[index], self.value[index],
                          tuple(x[index] for x in self.box),
                          self.point[index], self.plane[index])

    @staticmethod
    def cat(parts: Sequence['_Gaussians']) -> '_Gaussians':
        if len(parts) == 1:  # keypoints or limbs only: nothing to copy
            return parts[0]
        a, b, value, box, point, plane = zip(
            *((p.a, p.b, p.value, p.box, p.point, p.plane) for p in parts))
        return _Gaussians(torch.cat(a), torch.cat(b), torch.cat(value),
                          tuple(map(torch.cat, zip(*box))), torch.cat(point),
                          torch.cat(plane))


def keypoint_gaussians(kps: Tensor, value: Tensor, planes: Tensor,
                       sigma: float, hw: Tuple[int, int]) -> _Gaussians:
    """One Gaussian per joint: kps (..., V, 2), value (..., V), ``planes``
    (..., V, copies) where each goes."""
    kps = kps.reshape(-1, 2)
    x, y = kps[:, 0], kps[:, 1]
    box = _window(x, x, sigma, hw[1]) + _window(y, y, sigma, hw[0])
    return _Gaussians(kps, kps, value.flatten(), box,
                      torch.ones_like(x, dtype=torch.bool),
                      planes.reshape(len(x), planes.shape[-1]))


def limb_gaussians(kps: Tensor, value: Tensor, skeletons: Tensor,
                   planes: Tensor, sigma: float,
                   hw: Tuple[int, int]) -> _Gaussians:
    """One Gaussian per limb: kps (..., V, 2), value (..., V), skeletons
    (L, 2), ``planes`` (..., L, copies) where each goes.

    Limbs shorter than a pixel are drawn as their start keypoint with its
    score; eligibility still uses min(s_a, s_b) and the limb's box (stock).
    """
    a = kps[..., skeletons[:, 0], :].reshape(-1, 2)
    b = kps[..., skeletons[:, 1], :].reshape(-1, 2)
    va = value[..., skeletons[:, 0]].flatten()
    min_v = torch.minimum(va, value[..., skeletons[:, 1]].flatten())
    box = _window(torch.minimum(a[:, 0], b[:, 0]),
                  torch.maximum(a[:, 0], b[:, 0]), sigma, hw[1]) + _window(
        torch.minimum(a[:, 1], b[:, 1]), torch.maximum(a[:, 1], b[:, 1]),
        sigma, hw[0])
    skip = (min_v < EPS) | (box[1] <= box[0]) | (box[3] <= box[2])
    point = ((a - b)**2).sum(-1) < 1
    pbox = _window(a[:, 0], a[:, 0], sigma, hw[1]) + _window(
        a[:, 1], a[:, 1], sigma, hw[0])
    box = tuple(torch.where(point, p, q) for p, q in zip(pbox, box))
    value = torch.where(skip, torch.zeros_like(va),
                        torch.where(point, va, min_v))
    return _Gaussians(a, b, value, box, point,
                      planes.reshape(len(a), planes.shape[-1]))


def _tile_values(g: _Gaussians, xs: Tensor, ys: Tensor,
                 sigma: float) -> Tensor:
    """(P, th, tw) Gaussian values at pixels xs (P, 1, tw), ys (P, th, 1)."""
    ax, ay = g.a[:, 0, None, None], g.a[:, 1, None, None]
    d2_a = (xs - ax)**2 + (ys - ay)**2
    d2 = d2_a
    if not bool(g.point.all()):
        bx, by = g.b[:, 0, None, None], g.b[:, 1, None, None]
        d2_b = (xs - bx)**2 + (ys - by)**2
        d2_ab = (ax - bx)**2 + (ay - by)**2
        d2_ab = torch.where(d2_ab < 1, torch.ones_like(d2_ab), d2_ab)
        coeff = (d2_a - d2_b + d2_ab) / (2 * d2_ab)
        d2_line = (xs - (ax + coeff * (bx - ax)))**2 + (
            ys - (ay + coeff * (by - ay)))**2
        d2 = torch.where(coeff <= 0, d2_a,
                         torch.where(coeff >= 1, d2_b, d2_line))
        d2 = torch.where(g.point[:, None, None], d2_a, d2)
    # -(d2) / 2 / sigma^2 in float32, rounded as the stock code rounds it
    scale = -2 * torch.tensor(sigma**2, dtype=d2.dtype, device=d2.device)
    return torch.exp(d2 / scale) * g.value[:, None, None]


def draw_max(flat: Tensor, g: _Gaussians, hw: Tuple[int, int],
             sigma: float, overlap: bool = True) -> None:
    """``flat`` (planes * H * W + 1 spare) = max(flat, Gaussians of ``g``).

    Gaussians are grouped by padded window size, so a few long limbs do
    not size every tile: one size for windows up to a keypoint's, then
    1.5x / 2x steps (12, 16, 24, ...). ``overlap=False`` promises that no
    two Gaussians share a plane; each pixel then gets at most one value
    and a plain scatter (several times faster than a scatter-max on the
    CPU) writes the same maps into the zeros.
    """
    x0, x1, y0, y1 = g.box
    drawn = ((g.value >= EPS) & (x1 > x0) & (y1 > y0)).nonzero()[:, 0]
    if len(drawn) < len(g.value):  # else indexing would only copy
        g = g.take(drawn)
    for tile, part in _tile_groups(g, hw, sigma):
        step = max(1, _CHUNK_ELEMS // (tile[0] * tile[1]))
        for lo in range(0, len(part.value), step):
            _draw_chunk(flat, part.take(slice(lo, lo + step)), tile, hw,
                        sigma, overlap)


def _tile_groups(g: _Gaussians, hw: Tuple[int, int],
                 sigma: float) -> Iterator[Tuple[Tuple[int, int],
                                                 _Gaussians]]:
    """(tile (th, tw), the Gaussians drawn on tiles of that size)."""
    if len(g.value) == 0:
        return
    x0, x1, y0, y1 = g.box
    kp_side = int(6 * sigma) + 2
    # keypoints (and short limbs) only: one size, no sort
    if int(torch.maximum(x1 - x0, y1 - y0).max()) <= kp_side:
        yield (kp_side, kp_side), g
        return
    side = 2 * max(hw) + 1
    key, order = (_padded(y1 - y0, sigma) * side +
                  _padded(x1 - x0, sigma)).sort()
    g = g.take(order)
    sizes, counts = key.unique_consecutive(return_counts=True)
    ends = counts.cumsum(0).tolist()
    for size, end, count in zip(sizes.tolist(), ends, counts.tolist()):
        yield divmod(size, side), g.take(slice(end - count, end))


def _padded(size: Tensor, sigma: float) -> Tensor:
    """Tile side for windows of ``size``: a keypoint window's bound
    ``int(6 sigma) + 2`` or less -> that bound, else the next of 1.5 and 2
    times a power of 2 (< 50 % padding)."""
    size = size.long()
    top = torch.exp2(torch.floor(torch.log2((size - 1).clamp(min=1).float())))
    top = top.long()  # the largest power of 2 below size
    step = torch.where(size <= top + top // 2, top + top // 2, 2 * top)
    return torch.where(size <= int(6 * sigma) + 2, int(6 * sigma) + 2, step)


def _draw_chunk(flat: Tensor, g: _Gaussians, tile: Tuple[int, int],
                hw: Tuple[int, int], sigma: float, overlap: bool) -> None:
    x0, x1, y0, y1 = g.box
    dx = torch.arange(tile[1], device=flat.device, dtype=x0.dtype)
    dy = torch.arange(tile[0], device=flat.device, dtype=x0.dtype)
    xs, ys = (x0[:, None] + dx)[:, None, :], (y0[:, None] + dy)[:, :, None]
    inside = (xs < x1[:, None, None]) & (ys < y1[:, None, None])
    values = _tile_values(g, xs, ys, sigma)
    spare = torch.full((), flat.numel() - 1, device=flat.device)
    cols = (xs.long(), hw[1] - 1 - xs.long())  # as drawn, mirrored
    for copy in range(g.plane.shape[1]):
        row = g.plane[:, copy, None, None] * hw[0] + ys.long()
        index = torch.where(inside, row * hw[1] + cols[copy], spare)
        if overlap:
            flat.scatter_reduce_(0, index.flatten(), values.flatten(),
                                 'amax')
        else:  # padded pixels all go to the spare: any of them may win
            flat.scatter_(0, index.flatten(), values.flatten())


def render_heatmaps_torch(kps: Tensor, value: Tensor, hw: Tuple[int, int],
                          sigma: float = 0.6, with_kp: bool = True,
                          with_limb: bool = False,
                          skeletons: Sequence[Sequence[int]] = (),
                          separate_limb_channels: bool = False,
                          flip_idx: Optional[Sequence[int]] = None) -> Tensor:
    """Heatmaps of B samples of K clips: kps (B, K, M, T, V, 2) in heatmap
    pixels, value (B, K, M, T, V) peak values (0 for padded persons).

    Returns (B, K, C, T, H, W) in the dtype of ``kps``; with ``flip_idx``
    (``double``) (B, 2K, C, T, H, W), the K mirrored clips last with channel
    ``j`` showing source channel ``flip_idx[j]``.
    """
    b, k, num_m, t, num_v = value.shape
    skel = torch.as_tensor(skeletons, dtype=torch.long,
                           device=kps.device).reshape(-1, 2)
    num_c, offset = channel_layout(num_v, len(skel), with_kp, with_limb,
                                   separate_limb_channels)
    inverse = _inverse_permutation(flip_idx, kps.device)
    shape = (b, 1 if inverse is None else 2, k, num_c, t) + tuple(hw)
    size = math.prod(shape)
    flat = _zeros(size + 1, kps)  # + a spare element for padded pixels
    # all persons at once, frames first: (B K T, M, V, 2)
    kps = kps.permute(0, 1, 3, 2, 4, 5).flatten(0, 2)
    value = value.permute(0, 1, 3, 2, 4).flatten(0, 2)
    parts = []
    if with_kp:
        planes = _planes(torch.arange(num_v, device=kps.device), shape[:5],
                         inverse)
        parts.append(keypoint_gaussians(
            kps, value, planes[:, None].expand(
                -1, num_m, -1, -1), sigma, hw))
    if with_limb:
        planes = _planes(offset + torch.arange(len(skel), device=kps.device),
                         shape[:5], inverse)
        parts.append(limb_gaussians(
            kps, value, skel, planes[:, None].expand(
                -1, num_m, -1, -1), sigma, hw))
    # a plane gets one Gaussian unless persons or keypoint + limb maps share
    # it; the mirrored copy has planes of its own
    overlap = num_m > 1 or (with_kp and with_limb and offset == 0)
    draw_max(flat, _Gaussians.cat(parts), hw, sigma, overlap)
    out = flat[:size].view((b, shape[1] * k) + shape[3:])
    if flip_idx is None or inverse is not None:
        return out
    # flip lists that do not form a permutation: flip the dense maps
    idx = torch.as_tensor(flip_idx, device=out.device)
    return torch.cat([out, out.flip(-1)[:, :, idx]], dim=1)


def _zeros(size: int, like: Tensor) -> Tensor:
    """Zeros of ``like``'s dtype and device. On the CPU through numpy's
    calloc: pages the heatmaps never touch are never written."""
    if like.device.type != 'cpu':
        return like.new_zeros(size)
    return torch.from_numpy(np.zeros(size, like.new_zeros(0).numpy().dtype))


def _planes(channels: Tensor, shape: Tuple[int, ...],
            inverse: Optional[Tensor]) -> Tensor:
    """(B K T, channels, copies): planes of the (B, copies, K, C, T) heatmap
    stack ``shape`` that frame (b, k, t) draws channel c into; the mirrored
    copy takes channel c to ``inverse[c]``."""
    b, copies, k, num_c, t = shape
    index = torch.arange(b * copies * k * num_c * t,
                         device=channels.device).view(shape)
    planes = [index[:, 0, :, channels]]
    if inverse is not None:
        planes.append(index[:, 1, :, inverse[channels]])
    # (B, K, channels, T) -> (B K T, channels)
    return torch.stack([p.permute(0, 1, 3, 2).flatten(0, 2) for p in planes],
                       -1)


def _inverse_permutation(idx: Optional[Sequence[int]],
                         device: torch.device) -> Optional[Tensor]:
    """Where each source channel goes; None without ``idx`` or if it is no
    permutation."""
    if idx is None:
        return None
    idx = torch.as_tensor(idx, device=device)
    order = torch.arange(len(idx), device=device)
    if not torch.equal(idx.sort().values, order):
        return None
    return torch.empty_like(idx).scatter_(0, idx, order)


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
                 num_person: Optional[Sequence[int]] = None,
                 double: Optional[bool] = None) -> Tensor:
        """``num_person``: real persons per sample, the rest is padding;
        ``double``: overrides the constructor's."""
        b, k, m, t, v = score.shape
        if self.with_limb:  # before indexing with them, on any device
            check_skeletons(self.skeletons, v, _NAME)
        kps = keypoint[..., :2].float()
        if self.scaling != 1:  # x * 1.0 == x
            kps = kps * torch.tensor(self.scaling, dtype=torch.float32,
                                     device=keypoint.device)
        value = score.float() if self.use_score else torch.ones_like(
            score, dtype=torch.float32)
        if num_person is not None and any(n < m for n in num_person):
            real = torch.arange(m, device=score.device) < torch.as_tensor(
                num_person, device=score.device)[:, None]
            value = value * real[:, None, :, None, None]
        kps = _finite_drawn(kps, value)
        flip_idx = None
        if self.double if double is None else double:
            num_c, _ = channel_layout(v, len(self.skeletons), self.with_kp,
                                      self.with_limb,
                                      self.separate_limb_channels)
            flip_idx = flip_indices(num_c, self.with_kp, *self.flip_lists,
                                    name=_NAME)
        return render_heatmaps_torch(
            kps, value, self.heatmap_shape(img_shape), self.sigma,
            self.with_kp, self.with_limb, self.skeletons,
            self.separate_limb_channels, flip_idx)


def _finite_drawn(kps: Tensor, value: Tensor) -> Tensor:
    """``kps`` with non-finite coordinates set to 0; those of drawn joints
    (``value >= EPS``) are a :class:`DataError`, as the stock transform
    cannot draw them either."""
    finite = torch.isfinite(kps).all(-1)
    if bool(finite.all()):  # the usual case
        return kps
    bad = ~finite & (value >= EPS)
    if bad.any():
        b = int(bad.flatten(1).any(1).nonzero()[0])
        raise data_error(_NAME, 'non-finite coordinates of a joint to draw '
                         '(scored, or any joint with use_score=False)',
                         sample=b, field='keypoint')
    return torch.where(finite[..., None], kps, torch.zeros_like(kps))
