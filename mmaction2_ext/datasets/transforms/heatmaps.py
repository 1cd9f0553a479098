"""Vectorised pseudo heatmaps: a drop-in ``GeneratePoseTarget``.

mmaction2's ``GeneratePoseTarget`` loops in Python over frames, joints/limbs
and persons and evaluates a small window per Gaussian (stack.md 3.1: 14 ms for
keypoints, 77 ms for limbs per 48-frame, 2-person sample). Here every window
of every (person, frame, channel) is flattened into one ragged pixel list, all
pixel values are computed in one numpy pass and scattered with a max. The
maths follows the stock transform exactly:

* keypoint k with score ``s >= eps``: ``s * exp(-|p - k|^2 / (2 sigma^2))``
  inside the window ``[int(k - 3 sigma), int(k + 3 sigma) + 1)`` (clipped to
  the image, ``int`` truncates towards zero);
* limb (a, b) with ``s = min(s_a, s_b) >= eps``: the same Gaussian of the
  point-to-segment distance inside the limb's bounding box grown by 3 sigma;
  a limb shorter than 1 pixel (``|a - b|^2 < 1``) is drawn as keypoint ``a``
  with score ``s_a``;
* overlapping Gaussians (persons, and kp/limb channel clashes) combine by max.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmaction.datasets.transforms.pose_transforms import GeneratePoseTarget
from mmaction.registry import TRANSFORMS

from ...utils import data_error

EPS = 1e-4  # stock threshold on scores below which nothing is drawn


def channel_layout(num_kp: int, num_limb: int, with_kp: bool,
                   with_limb: bool, separate_limb_channels: bool
                   ) -> Tuple[int, int]:
    """Number of channels C and the channel offset of the first limb.

    Stock mmaction2 allocates ``V + L`` channels when both modes are on but
    draws limb ``l`` into channel ``l`` (over the keypoint heatmaps), leaving
    channels ``V..V+L-1`` empty; ``separate_limb_channels`` uses them instead.
    """
    num_c = (num_kp if with_kp else 0) + (num_limb if with_limb else 0)
    limb_offset = num_kp if (with_kp and separate_limb_channels) else 0
    return num_c, limb_offset


def flip_indices(num_c: int, with_kp: bool, left_kp: Sequence[int],
                 right_kp: Sequence[int], left_limb: Sequence[int],
                 right_limb: Sequence[int]) -> np.ndarray:
    """Channel ``j`` of the flipped heatmap shows source channel ``idx[j]``."""
    idx = np.arange(num_c, dtype=np.int64)
    left, right = (left_kp, right_kp) if with_kp else (left_limb, right_limb)
    for lt, rt in zip(left, right):
        idx[lt] = rt
        idx[rt] = lt
    return idx


def _window(lo: np.ndarray, hi: np.ndarray, sigma: float,
            size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Stock window ``[max(int(lo - 3s), 0), min(int(hi + 3s) + 1, size))``.

    ``lo``/``hi`` are float32 like the stock code's coordinates, so the
    subtraction rounds the same way before truncation.
    """
    reach = np.float32(3 * sigma)
    start = np.clip(np.trunc(lo - reach), 0, size)
    end = np.clip(np.trunc(hi + reach) + 1, 0, size)
    return start.astype(np.int64), end.astype(np.int64)


class _Items:
    """Flat list of Gaussians to draw: segment a-b (a point when a == b)."""

    def __init__(self, plane, a, b, value, x0, x1, y0, y1, point):
        self.plane, self.a, self.b, self.value = plane, a, b, value
        self.x0, self.x1, self.y0, self.y1, self.point = x0, x1, y0, y1, point


def _keypoint_items(kps: np.ndarray, vals: np.ndarray, num_c: int,
                    sigma: float, hw: Tuple[int, int]) -> _Items:
    """One item per (frame, joint) of one person; ``kps`` (T, V, 2)."""
    t, v = vals.shape
    plane = (np.arange(t)[:, None] * num_c + np.arange(v)).ravel()
    pts = kps.reshape(-1, 2)
    x0, x1 = _window(pts[:, 0], pts[:, 0], sigma, hw[1])
    y0, y1 = _window(pts[:, 1], pts[:, 1], sigma, hw[0])
    return _Items(plane, pts, pts, vals.ravel(), x0, x1, y0, y1,
                  np.ones(len(pts), bool))


def _limb_items(kps: np.ndarray, vals: np.ndarray, skeletons: np.ndarray,
                num_c: int, offset: int, sigma: float,
                hw: Tuple[int, int]) -> _Items:
    """One item per (frame, limb) of one person; ``kps`` (T, V, 2)."""
    t = kps.shape[0]
    plane = (np.arange(t)[:, None] * num_c + offset +
             np.arange(len(skeletons))).ravel()
    a = kps[:, skeletons[:, 0]].reshape(-1, 2)
    b = kps[:, skeletons[:, 1]].reshape(-1, 2)
    va = vals[:, skeletons[:, 0]].ravel()
    vb = vals[:, skeletons[:, 1]].ravel()
    d2_ab = (a[:, 0] - b[:, 0])**2 + (a[:, 1] - b[:, 1])**2
    # the limb's eligibility uses min(s_a, s_b) and its bounding box, even
    # when a short limb is then drawn as keypoint a with s_a
    value = np.minimum(va, vb)
    x0, x1 = _window(np.minimum(a[:, 0], b[:, 0]), np.maximum(a[:, 0], b[:, 0]),
                     sigma, hw[1])
    y0, y1 = _window(np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1]),
                     sigma, hw[0])
    point = d2_ab < 1
    empty = (x1 <= x0) | (y1 <= y0) | (value < EPS)
    value = np.where(point, va, value)
    px0, px1 = _window(a[:, 0], a[:, 0], sigma, hw[1])
    py0, py1 = _window(a[:, 1], a[:, 1], sigma, hw[0])
    x0, x1 = np.where(point, px0, x0), np.where(point, px1, x1)
    y0, y1 = np.where(point, py0, y0), np.where(point, py1, y1)
    value = np.where(empty, 0, value)
    return _Items(plane, a, np.where(point[:, None], a, b), value, x0, x1, y0,
                  y1, point)


def _render_items(items: _Items, sigma: float
                  ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pixels of all items: (plane, y, x, value), unique per item.

    Distances follow the stock float32 formulas; the segment case projects
    each pixel on the line and clamps to the nearer end point outside it.
    """
    w = np.maximum(items.x1 - items.x0, 0)
    h = np.maximum(items.y1 - items.y0, 0)
    n = np.where(items.value >= EPS, w * h, 0)
    idx = np.repeat(np.arange(len(n)), n)
    first = np.repeat(np.cumsum(n) - n, n)
    dy, dx = np.divmod(np.arange(len(idx)) - first, w[idx])
    y = items.y0[idx] + dy
    x = items.x0[idx] + dx
    xf, yf = x.astype(np.float32), y.astype(np.float32)
    a, b = items.a[idx], items.b[idx]
    d2_a = (xf - a[:, 0])**2 + (yf - a[:, 1])**2
    d2 = d2_a
    seg = ~items.point[idx]
    if seg.any():
        xs, ys, a, b, d2_as = xf[seg], yf[seg], a[seg], b[seg], d2_a[seg]
        d2_b = (xs - b[:, 0])**2 + (ys - b[:, 1])**2
        d2_ab = (a[:, 0] - b[:, 0])**2 + (a[:, 1] - b[:, 1])**2
        coeff = (d2_as - d2_b + d2_ab) / 2. / d2_ab
        proj_x = a[:, 0] + coeff * (b[:, 0] - a[:, 0])
        proj_y = a[:, 1] + coeff * (b[:, 1] - a[:, 1])
        d2_line = (xs - proj_x)**2 + (ys - proj_y)**2
        d2_seg = np.where(coeff <= 0, d2_as, np.where(coeff >= 1, d2_b,
                                                      d2_line))
        d2 = d2_a.copy()
        d2[seg] = d2_seg
    val = np.exp(-d2 / 2 / sigma**2) * items.value[idx].astype(np.float32)
    return items.plane[idx], y, x, val


def _scatter_max(out: np.ndarray, flat: np.ndarray, val: np.ndarray) -> None:
    """``out.flat[flat] = max(out.flat[flat], val)``; ``flat`` has no repeats."""
    buf = out.reshape(-1)
    buf[flat] = np.maximum(buf[flat], val)


def render_heatmaps(kps: np.ndarray, scores: np.ndarray, hw: Tuple[int, int],
                    sigma: float = 0.6, with_kp: bool = True,
                    with_limb: bool = False,
                    skeletons: Sequence[Sequence[int]] = (),
                    flip_idx: Optional[np.ndarray] = None,
                    separate_limb_channels: bool = False) -> np.ndarray:
    """Pseudo heatmaps of all frames.

    Args:
        kps: (M, T, V, 2) float32 coordinates in heatmap pixels.
        scores: (M, T, V) peak values (scores, or ones without ``use_score``).
        hw: heatmap (H, W).
        flip_idx: if given, also draw the horizontally flipped heatmaps with
            channel ``j`` showing source channel ``flip_idx[j]`` (``double``).

    Returns:
        (T, C, H, W) float32, or (2T, C, H, W) with ``flip_idx`` (flipped
        frames after the originals, as the stock transform concatenates).
    """
    num_m, num_t, num_v = scores.shape
    skeletons = np.asarray(skeletons, dtype=np.int64).reshape(-1, 2)
    num_c, limb_offset = channel_layout(num_v, len(skeletons), with_kp,
                                        with_limb, separate_limb_channels)
    h, w = hw
    copies = 1 if flip_idx is None else 2
    out = np.zeros((copies * num_t, num_c, h, w), np.float32)
    groups: List[_Items] = []
    for m in range(num_m):
        if with_kp:
            groups.append(_keypoint_items(kps[m], scores[m], num_c, sigma, hw))
        if with_limb:
            groups.append(_limb_items(kps[m], scores[m], skeletons, num_c,
                                      limb_offset, sigma, hw))
    inverse = None if flip_idx is None else _inverse_permutation(flip_idx)
    for items in groups:
        plane, y, x, val = _render_items(items, sigma)
        _scatter_max(out, (plane * h + y) * w + x, val)
        if inverse is not None:
            t, c = np.divmod(plane, num_c)
            plane_f = (num_t + t) * num_c + inverse[c]
            _scatter_max(out, (plane_f * h + y) * w + (w - 1 - x), val)
    if flip_idx is not None and inverse is None:
        # flip lists that do not form a permutation: flip the dense maps
        out[num_t:] = out[:num_t, :, :, ::-1][:, flip_idx]
    return out


def _inverse_permutation(idx: np.ndarray) -> Optional[np.ndarray]:
    """Where each source channel goes; None if ``idx`` is no permutation."""
    if not np.array_equal(np.sort(idx), np.arange(len(idx))):
        return None
    inverse = np.empty_like(idx)
    inverse[idx] = np.arange(len(idx))
    return inverse


@TRANSFORMS.register_module()
class FastGeneratePoseTarget(GeneratePoseTarget):
    """Vectorised ``GeneratePoseTarget``: same arguments, same output.

    Required keys: ``keypoint`` (M, T, V, C>=2), ``img_shape``; optional
    ``keypoint_score`` (M, T, V). Adds ``imgs`` (or ``heatmap_imgs`` when
    ``imgs`` exists): (T, C, H, W) float32, (2T, C, H, W) with ``double``.

    Args:
        separate_limb_channels (bool): with ``with_kp`` and ``with_limb``,
            draw limbs into their own channels ``V..V+L-1``. The stock
            transform draws them over keypoint channels ``0..L-1`` and leaves
            the last ``L`` channels zero; False (default) reproduces that.
        Other arguments: see mmaction2's ``GeneratePoseTarget``.
    """

    def __init__(self, *args, separate_limb_channels: bool = False,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.separate_limb_channels = separate_limb_channels

    def gen_an_aug(self, results: Dict) -> np.ndarray:
        """Heatmaps without the flipped copy: (T, C, H, W)."""
        return self._render(results, flip=False)

    def _render(self, results: Dict, flip: bool) -> np.ndarray:
        kps, scores, hw = heatmap_inputs(results, self.scaling, self.use_score)
        flip_idx = None
        if flip:
            num_c, _ = channel_layout(kps.shape[2], len(self.skeletons),
                                      self.with_kp, self.with_limb,
                                      self.separate_limb_channels)
            flip_idx = flip_indices(num_c, self.with_kp, self.left_kp,
                                    self.right_kp, self.left_limb,
                                    self.right_limb)
        return render_heatmaps(kps, scores, hw, self.sigma, self.with_kp,
                               self.with_limb, self.skeletons, flip_idx,
                               self.separate_limb_channels)

    def transform(self, results: Dict) -> Dict:
        key = 'heatmap_imgs' if 'imgs' in results else 'imgs'
        results[key] = self._render(results, flip=self.double)
        return results

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] +
                f', separate_limb_channels={self.separate_limb_channels})')


def heatmap_inputs(results: Dict, scaling: float, use_score: bool
                   ) -> Tuple[np.ndarray, np.ndarray, Tuple[int, int]]:
    """Scaled float32 coordinates (M, T, V, 2), peak values (M, T, V) and the
    heatmap size, as the stock transform derives them; checks the input."""
    name = results.get('frame_dir', results.get('filename', '<sample>'))
    kps = np.asarray(results['keypoint']).astype(np.float32)
    if kps.ndim != 4 or kps.shape[-1] < 2:
        raise data_error(name, f'expected (M, T, V, C>=2), got {kps.shape}',
                         field='keypoint')
    kps = kps[..., :2] * np.float32(scaling)
    if 'keypoint_score' in results:
        scores = np.asarray(results['keypoint_score'])
        if scores.shape != kps.shape[:3]:
            raise data_error(name, f'shape {scores.shape} does not match '
                             f'keypoint {kps.shape[:3]}',
                             field='keypoint_score')
    else:
        scores = np.ones(kps.shape[:3], np.float32)
    scores = scores if use_score else np.ones_like(scores)
    bad = ~np.isfinite(kps).all(-1) & (scores >= EPS)
    if bad.any():
        m, t, v = np.argwhere(bad)[0]
        raise data_error(name, f'non-finite coordinates of a scored joint '
                         f'(person {m}, frame {t}, joint {v})',
                         field='keypoint')
    # unscored joints may be NaN; they are never drawn
    kps = np.where(np.isfinite(kps), kps, np.float32(0))
    img_h, img_w = results['img_shape']
    hw = (int(img_h * scaling + 0.5), int(img_w * scaling + 0.5))
    return kps, scores, hw
