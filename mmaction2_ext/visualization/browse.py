"""What a config's pipeline feeds the model, one picture per sample
(``tools/analysis/browse_dataset.py``): RGB frames with the skeleton,
heatmap channels, skeleton graphs of GCN inputs, HAAN feature strips with
the annotated segments."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from matplotlib import colormaps
from matplotlib.figure import Figure

from .pose_video import COLOURS, pose_edges


def _numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _frames_apart(results: Dict) -> bool:
    """Results still holding RGB frames one by one (before FormatShape),
    or no frames at all."""
    imgs = results.get('imgs')
    return imgs is None or _rgb_list(imgs)


def _rgb_list(imgs) -> bool:
    """A list of ``(H, W, 3)`` frames (heatmap pipelines put ``(K, H, W)``
    heatmaps under ``imgs``; FormatShape stacks frames)."""
    return len(imgs) > 0 and np.ndim(imgs[0]) == 3 and \
        np.shape(imgs[0])[-1] == 3


def pipeline_sample(dataset, index: int) -> Dict:
    """``packed``: the pipeline's output for sample ``index`` (the model's
    ``inputs`` and ``data_samples``); ``pose``: the last transform results
    that hold ``keypoint`` and the RGB frames one by one (keypoints in the
    frames' pixels), else None."""
    if not hasattr(dataset.pipeline, 'transforms') or \
            hasattr(dataset, 'load_features'):
        return dict(packed=dataset.prepare_data(index), pose=None)
    results, pose = dataset.get_data_info(index), None
    for transform in dataset.pipeline.transforms:
        if 'keypoint' in results and _frames_apart(results):
            pose = dict(results)
        results = transform(results)
    return dict(packed=results, pose=pose)


def _times(total: int, count: int) -> List[int]:
    return sorted({int(t) for t in np.linspace(0, total - 1, count).round()})


def _rgb_frames(pose: Dict) -> Optional[np.ndarray]:
    """``(T, H, W, 3)`` uint8 of the pipeline's ``imgs`` (before
    FormatShape), or None."""
    imgs = pose.get('imgs') if pose else None
    if imgs is None or not _rgb_list(imgs):
        return None
    return np.clip(np.stack([_numpy(i) for i in imgs]), 0, 255).astype(
        np.uint8)


def _draw_people(ax, people: np.ndarray, edges, flip_y: bool = False
                 ) -> None:
    """``people`` (M, V, 2+): limbs and joints; all-zero joints hidden."""
    for m, joints in enumerate(people):
        colour = np.array(COLOURS[m % len(COLOURS)]) / 255
        xy = joints[:, :2] * ([1, -1] if flip_y else [1, 1])
        seen = np.isfinite(xy).all(-1) & (np.abs(joints).sum(-1) > 0)
        for a, b in edges:
            if seen[a] and seen[b]:
                ax.plot(xy[[a, b], 0], xy[[a, b], 1], '-', color=colour,
                        lw=1.5)
        ax.plot(xy[seen, 0], xy[seen, 1], 'o', color=colour, ms=2.5)


def _heatmap_rgb(maps: np.ndarray) -> np.ndarray:
    """``(K, H, W)`` -> ``(H, W, 3)``: each pixel coloured by its strongest
    channel, brightness its value (channels stay apart)."""
    top = maps.argmax(0)
    colours = colormaps['hsv'](np.linspace(0, 1, len(maps), endpoint=False))
    value = np.clip(maps.max(0), 0, 1)[..., None]
    return colours[top][..., :3] * value


def _axes_row(fig: Figure, grid, row: int, times: Sequence[int], title: str):
    axes = [fig.add_subplot(grid[row, c]) for c in range(len(times))]
    for ax, t in zip(axes, times):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f'{title} t={t}', fontsize=8)
    return axes


def draw_sample(sample: Dict, title: str, layout: Optional[str] = None,
                frames: int = 6) -> Figure:
    """One figure of :func:`pipeline_sample`'s output: a row per input kind
    at ``frames`` evenly spaced time steps (HAAN: one feature strip)."""
    inputs = sample['packed']['inputs']
    if isinstance(inputs, torch.Tensor) and inputs.ndim == 2:
        return _draw_features(_numpy(inputs), sample['packed'], title)
    inputs = inputs if isinstance(inputs, dict) else {'inputs': inputs}
    rows = []  # (kind, array)
    rgb = _rgb_frames(sample['pose'])
    for key, value in inputs.items():
        value = _numpy(value)[0]  # the first clip
        if key == 'keypoint_score' or (key == 'imgs' and rgb is not None):
            continue  # scores: not drawn; frames: drawn from before packing
        if value.ndim == 4 and value.shape[-1] in (2, 3):
            rows.append(('skeleton', value))  # (M, T, V, C)
        elif value.ndim == 4 and (key == 'imgs' or value.shape[0] == 3):
            rows.append(('rgb', value.transpose(1, 2, 3, 0)))  # C,T,H,W
        elif value.ndim == 4:
            rows.append(('heatmaps', value))  # (K, T, H, W)
    if rgb is not None:
        rows.insert(0, ('rgb', rgb))
    fig = Figure(figsize=(2.2 * frames, 2.4 * len(rows) + 0.4))
    grid = fig.add_gridspec(len(rows), frames)
    for row, (kind, value) in enumerate(rows):
        _draw_row(fig, grid, row, kind, value, sample['pose'], layout,
                  frames, rgb)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _draw_row(fig, grid, row, kind, value, pose, layout, frames, rgb):
    if kind == 'heatmaps':
        times = _times(value.shape[1], frames)
        axes = _axes_row(fig, grid, row, times,
                         f'{len(value)} heatmaps')
        for ax, t in zip(axes, times):
            picture = _heatmap_rgb(value[:, t])
            if rgb is not None:  # on the RGB frame at the same time
                under = rgb[t * len(rgb) // value.shape[1]]
                under = _resize(under, picture.shape[:2]) / 255
                picture = np.clip(0.5 * under + picture, 0, 1)
            ax.imshow(picture)
        return
    if kind == 'skeleton':  # GCN inputs (M, T, V, C) or packed keypoints
        times = _times(value.shape[1], frames)
        edges = pose_edges(value.shape[2], layout)
        flip = value.shape[-1] == 3  # world coordinates: y up
        axes = _axes_row(fig, grid, row, times,
                         f'{value.shape[2]} joints')
        xy = value[..., :2] * ([1, -1] if flip else [1, 1])
        seen = xy[np.isfinite(xy).all(-1) & (np.abs(value).sum(-1) > 0)]
        lo, hi = (seen.min(0), seen.max(0)) if len(seen) else ((0, 0), (1, 1))
        pad = 0.05 * max(float(np.max(np.subtract(hi, lo))), 1e-6)
        for ax, t in zip(axes, times):  # one scale for the whole row
            _draw_people(ax, value[:, t], edges, flip_y=flip)
            ax.set_xlim(lo[0] - pad, hi[0] + pad)
            ax.set_ylim(*((lo[1] - pad, hi[1] + pad) if flip else
                          (hi[1] + pad, lo[1] - pad)))
            ax.set_aspect('equal')
        return
    times = _times(len(value), frames)  # RGB (T, H, W, 3)
    axes = _axes_row(fig, grid, row, times, 'RGB')
    keypoint = _numpy(pose['keypoint']) if pose and 'keypoint' in pose \
        else None
    for ax, t in zip(axes, times):
        ax.imshow(value[t].astype(np.uint8))
        if keypoint is not None:  # the pose frame at the same relative time
            people = keypoint[:, t * keypoint.shape[1] // len(value)]
            _draw_people(ax, people, pose_edges(people.shape[1], layout))
            ax.set_xlim(0, value.shape[2])
            ax.set_ylim(value.shape[1], 0)


def _resize(img: np.ndarray, hw) -> np.ndarray:
    import cv2
    return cv2.resize(img, (hw[1], hw[0]), interpolation=cv2.INTER_AREA)


def _draw_features(feats: np.ndarray, packed: Dict, title: str) -> Figure:
    """HAAN ``(T, D)`` clip features as a strip (clips across), the
    annotated segments (seconds x ``sec2clip_ratio``) as bars under it."""
    # HAANFeatureDataset keeps the annotations beside ``inputs``
    segments = np.asarray(packed.get('gt_segments', np.zeros((0, 2))))
    labels = np.asarray(packed.get('gt_labels', []))
    ratio = float(packed.get('sec2clip_ratio', 1.))
    fig = Figure(figsize=(12, 4.2))
    strip, bars = fig.subplots(2, 1, sharex=True,
                               gridspec_kw=dict(height_ratios=(3, 1)))
    strip.imshow(feats.T, aspect='auto', cmap='viridis',
                 interpolation='nearest')
    strip.set_ylabel(f'feature (D={feats.shape[1]})')
    colours = colormaps['tab10']
    for row, (seg, label) in enumerate(zip(segments, labels)):
        start, end = seg[0] * ratio, seg[1] * ratio
        bars.broken_barh([(start, end - start)], (row - 0.4, 0.8),
                         color=colours(int(label) % 10))
        bars.text(start, row, f' {int(label)}', va='center', fontsize=8)
    bars.set_ylim(-0.6, max(len(segments), 1) - 0.4)
    bars.invert_yaxis()
    bars.set_yticks([])
    bars.set_ylabel('segments\n(class)', fontsize=8)
    bars.set_xlabel(f'clip (T={len(feats)}; seconds x {ratio:g})')
    bars.set_xlim(-0.5, len(feats) - 0.5)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
