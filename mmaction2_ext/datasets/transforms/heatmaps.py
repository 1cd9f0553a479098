"""Vectorised pseudo heatmaps: a drop-in ``GeneratePoseTarget``.

mmaction2's ``GeneratePoseTarget`` loops in Python over frames, joints/limbs
and persons and evaluates a small window per Gaussian. Here every window
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
                 right_limb: Sequence[int], name: str = '<sample>'
                 ) -> np.ndarray:
    """Channel ``j`` of the flipped heatmap shows source channel ``idx[j]``.

    A channel the heatmaps lack is a :class:`DataError` naming sample
    ``name`` (the stock transform crashes with an IndexError).
    """
    idx = np.arange(num_c, dtype=np.int64)
    left, right = (left_kp, right_kp) if with_kp else (left_limb, right_limb)
    for lt, rt in zip(left, right):
        if max(lt, rt) >= num_c:
            kind = 'kp' if with_kp else 'limb'
            raise data_error(name, f'left_{kind}/right_{kind} name channel '
                             f'{max(lt, rt)}, but the heatmaps have {num_c}',
                             field='keypoint')
        idx[lt] = rt
        idx[rt] = lt
    return idx


def check_skeletons(skeletons: Sequence[Sequence[int]], num_v: int,
                    name: str) -> None:
    """A skeleton joint the sample lacks is a :class:`DataError` (the stock
    transform crashes with an IndexError)."""
    used = [j for limb in skeletons for j in limb]
    if used and max(used) >= num_v:
        raise data_error(name, f'skeletons use joint {max(used)}, but the '
                         f'sample has {num_v} joints', field='keypoint')


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


_FIELDS = ('plane', 'ax', 'ay', 'bx', 'by', 'value', 'x0', 'x1', 'y0', 'y1',
           'point', 'limb', 'group')


class _Items:
    """Flat table of Gaussians to draw, one per (person, frame, channel).

    Segment a-b, or the point a when ``point``; peak ``value``; pixel window
    ``[x0, x1) x [y0, y1)``; ``group`` numbers (person, kind) pairs, inside
    which no two items share a channel plane.
    """

    def __init__(self, **fields):
        for name in _FIELDS:
            setattr(self, name, fields[name])

    def take(self, index) -> '_Items':
        return _Items(**{f: getattr(self, f)[index] for f in _FIELDS})

    @staticmethod
    def concat(parts: List['_Items']) -> '_Items':
        return _Items(**{f: np.concatenate([getattr(p, f) for p in parts])
                         for f in _FIELDS})


def _keypoint_items(kps: np.ndarray, vals: np.ndarray, num_c: int,
                    sigma: float, hw: Tuple[int, int], group: int) -> _Items:
    """One item per (frame, joint) of one person; ``kps`` (T, V, 2)."""
    t, v = vals.shape
    plane = (np.arange(t)[:, None] * num_c + np.arange(v)).ravel()
    x, y = kps[..., 0].ravel(), kps[..., 1].ravel()
    x0, x1 = _window(x, x, sigma, hw[1])
    y0, y1 = _window(y, y, sigma, hw[0])
    n = t * v
    return _Items(plane=plane, ax=x, ay=y, bx=x, by=y,
                  value=vals.ravel().astype(np.float32), x0=x0, x1=x1, y0=y0,
                  y1=y1, point=np.ones(n, bool), limb=np.zeros(n, bool),
                  group=np.full(n, group))


def _limb_items(kps: np.ndarray, vals: np.ndarray, skeletons: np.ndarray,
                num_c: int, offset: int, sigma: float, hw: Tuple[int, int],
                group: int) -> _Items:
    """One item per (frame, limb) of one person; ``kps`` (T, V, 2)."""
    t = kps.shape[0]
    plane = (np.arange(t)[:, None] * num_c + offset +
             np.arange(len(skeletons))).ravel()
    ax, ay = (kps[:, skeletons[:, 0], i].ravel() for i in (0, 1))
    bx, by = (kps[:, skeletons[:, 1], i].ravel() for i in (0, 1))
    va = vals[:, skeletons[:, 0]].ravel()
    value = np.minimum(va, vals[:, skeletons[:, 1]].ravel())
    x0, x1 = _window(np.minimum(ax, bx), np.maximum(ax, bx), sigma, hw[1])
    y0, y1 = _window(np.minimum(ay, by), np.maximum(ay, by), sigma, hw[0])
    # eligibility uses min(s_a, s_b) and the limb box even when a limb
    # shorter than a pixel is then drawn as keypoint a with s_a
    skip = (value < EPS) | (x1 <= x0) | (y1 <= y0)
    point = (ax - bx)**2 + (ay - by)**2 < 1
    px0, px1 = _window(ax, ax, sigma, hw[1])
    py0, py1 = _window(ay, ay, sigma, hw[0])
    n = len(plane)
    return _Items(plane=plane, ax=ax, ay=ay, bx=bx, by=by,
                  value=np.where(skip, 0, np.where(point, va, value)).astype(
                      np.float32),
                  x0=np.where(point, px0, x0), x1=np.where(point, px1, x1),
                  y0=np.where(point, py0, y0), y1=np.where(point, py1, y1),
                  point=point, limb=np.ones(n, bool), group=np.full(n, group))


def _width_buckets(width: np.ndarray) -> np.ndarray:
    """Padded window width: the next of 1, 2, 3, 4, 6, 8, 12, ... (waste
    below 50 %, few distinct widths, so few numpy calls)."""
    sizes = np.array(sorted({k * 2**e for e in range(12) for k in (2, 3)} |
                            {1}))
    return sizes[np.searchsorted(sizes, width)]


class _Run:
    """Rows of items sharing (kind, padded width, group): a dense block."""

    def __init__(self, items: _Items, rows: np.ndarray, y: np.ndarray,
                 width: int):
        self.items, self.rows, self.width = items, rows, width
        self.y = y.astype(np.float32)
        self.y_int = y
        self.cols = np.arange(width)


def _runs(items: _Items) -> List[_Run]:
    """Split drawable items into dense (rows, padded width) blocks."""
    w = items.x1 - items.x0
    h = items.y1 - items.y0
    items = items.take((items.value >= EPS) & (w > 0) & (h > 0))
    if not len(items.value):
        return []  # nothing to draw: all-zero heatmaps, as stock gives
    pad = _width_buckets(items.x1 - items.x0)
    key = np.stack([items.limb, pad, items.group])
    order = np.lexsort(key[::-1])
    items, pad, key = items.take(order), pad[order], key[:, order]
    cut = np.flatnonzero(np.any(key[:, 1:] != key[:, :-1], axis=0)) + 1
    runs = []
    for lo, hi in zip(np.r_[0, cut], np.r_[cut, len(pad)]):
        part = items.take(slice(lo, hi))
        h = part.y1 - part.y0
        rows = np.repeat(np.arange(hi - lo), h)
        y = part.y0[rows] + np.arange(len(rows)) - np.repeat(np.cumsum(h) - h,
                                                             h)
        runs.append(_Run(part, rows, y, int(pad[lo])))
    return runs


def _run_values(run: _Run, sigma: float) -> np.ndarray:
    """(R, width) Gaussian values of a run, in the stock float32 formulas."""
    it, r = run.items, run.rows
    x = (it.x0[r][:, None] + run.cols).astype(np.float32)
    y = run.y[:, None]
    ax, ay = it.ax[r][:, None], it.ay[r][:, None]
    d2_a = (x - ax)**2 + (y - ay)**2
    d2 = d2_a
    if it.limb[0]:
        bx, by = it.bx[r][:, None], it.by[r][:, None]
        d2_b = (x - bx)**2 + (y - by)**2
        d2_ab = (ax - bx)**2 + (ay - by)**2
        d2_ab[d2_ab < 1] = 1  # point rows: d2_a is used below
        coeff = (d2_a - d2_b + d2_ab) / (2 * d2_ab)
        d2_line = (x - (ax + coeff * (bx - ax)))**2 + (
            y - (ay + coeff * (by - ay)))**2
        d2 = np.where(coeff <= 0, d2_a, np.where(coeff >= 1, d2_b, d2_line))
        d2 = np.where(it.point[r][:, None], d2_a, d2)
    # -(d2) / 2 / sigma^2 rounds exactly like d2 / (-2 sigma^2)
    scale = np.float32(-2) * np.float32(sigma**2)
    return np.exp(d2 / scale) * it.value[r][:, None]


def _scatter_max(buf: np.ndarray, flat: np.ndarray, val: np.ndarray) -> None:
    """``buf[flat] = max(buf[flat], val)``; repeats only at the sink index."""
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
    size = copies * num_t * num_c * h * w
    # one spare element after the heatmaps absorbs the padded columns
    buf = np.zeros(size + 1, np.float32)
    out = buf[:size].reshape(copies * num_t, num_c, h, w)
    parts = []
    for m in range(num_m):
        if with_kp:
            parts.append(_keypoint_items(kps[m], scores[m], num_c, sigma, hw,
                                         2 * m))
        if with_limb:
            parts.append(_limb_items(kps[m], scores[m], skeletons, num_c,
                                     limb_offset, sigma, hw, 2 * m + 1))
    if not parts or num_t == 0:
        return out
    inverse = None if flip_idx is None else _inverse_permutation(flip_idx)
    for run in _runs(_Items.concat(parts)):
        val = _run_values(run, sigma)
        it, r = run.items, run.rows
        x0, valid = it.x0[r], run.cols < (it.x1 - it.x0)[r][:, None]
        base = (it.plane[r] * h + run.y_int) * w + x0
        _scatter_max(buf, np.where(valid, base[:, None] + run.cols, size), val)
        if inverse is not None:
            t, c = np.divmod(it.plane[r], num_c)
            plane = (num_t + t) * num_c + inverse[c]
            base = (plane * h + run.y_int) * w + (w - 1 - x0)
            _scatter_max(buf, np.where(valid, base[:, None] - run.cols, size),
                         val)
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
        name = sample_name(results)
        if self.with_limb:
            check_skeletons(self.skeletons, kps.shape[2], name)
        flip_idx = None
        if flip:
            num_c, _ = channel_layout(kps.shape[2], len(self.skeletons),
                                      self.with_kp, self.with_limb,
                                      self.separate_limb_channels)
            flip_idx = flip_indices(num_c, self.with_kp, self.left_kp,
                                    self.right_kp, self.left_limb,
                                    self.right_limb, name)
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


def sample_name(results: Dict) -> str:
    """How error messages name a sample."""
    return results.get('frame_dir', results.get('filename', '<sample>'))


def checked_keypoints(results: Dict, use_score: bool = True
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """float32 (M, T, V, 2) coordinates and (M, T, V) scores (ones when
    absent) of a sample. Scores below ``EPS`` become 0, compared in their own
    dtype as the stock code does (float64 ``float32(1e-4)`` is below it,
    float32 is not). Non-finite coordinates of a drawn joint (scored, or any
    joint without ``use_score``) are a :class:`DataError`; those of the
    other joints are kept (never drawn)."""
    name = sample_name(results)
    kps = np.asarray(results['keypoint']).astype(np.float32)
    if kps.ndim != 4 or kps.shape[-1] < 2:
        raise data_error(name, f'expected (M, T, V, C>=2), got {kps.shape}',
                         field='keypoint')
    kps = kps[..., :2]
    if 'keypoint_score' in results:
        scores = np.asarray(results['keypoint_score'])
        if scores.shape != kps.shape[:3]:
            raise data_error(name, f'shape {scores.shape} does not match '
                             f'keypoint {kps.shape[:3]}',
                             field='keypoint_score')
    else:
        scores = np.ones(kps.shape[:3], np.float32)
    drawn = scores >= EPS
    bad = ~np.isfinite(kps).all(-1) & (drawn if use_score else True)
    if bad.any():
        m, t, v = np.argwhere(bad)[0]
        joint = 'scored joint' if use_score else 'joint (use_score=False ' \
            'draws every joint)'
        raise data_error(name, f'non-finite coordinates of a {joint} '
                         f'(person {m}, frame {t}, joint {v})',
                         field='keypoint')
    return kps, np.where(drawn, scores, 0)


def heatmap_inputs(results: Dict, scaling: float, use_score: bool
                   ) -> Tuple[np.ndarray, np.ndarray, Tuple[int, int]]:
    """Scaled coordinates (M, T, V, 2) (0 where not finite: never drawn),
    peak values (M, T, V) and the heatmap size, as the stock transform
    derives them."""
    kps, scores = checked_keypoints(results, use_score)
    kps = np.where(np.isfinite(kps), kps, np.float32(0)) * np.float32(scaling)
    scores = scores if use_score else np.ones_like(scores)
    img_h, img_w = results['img_shape']
    hw = (int(img_h * scaling + 0.5), int(img_w * scaling + 0.5))
    return kps, scores, hw
