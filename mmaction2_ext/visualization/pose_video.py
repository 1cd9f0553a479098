"""A skeleton sequence drawn as an mp4 (on its video frames when given),
with the predicted labels written on every frame."""
import os
import os.path as osp
import tempfile
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from ..datasets.layouts import LAYOUTS
from ..utils.io import plain_file_mode

# layout drawn for a joint count when the config names none
LAYOUT_BY_JOINTS = {layout.num_joints: name for name, layout in LAYOUTS.items()
                    if layout.built_from is None}
COLOURS = ((255, 96, 64), (64, 160, 255), (96, 255, 96), (255, 224, 64))
LABEL_FONT, LABEL_SCALE = cv2.FONT_HERSHEY_SIMPLEX, 0.55
LABEL_INK, LABEL_BOX = (255, 255, 255), (32, 32, 32)  # BGR
LABEL_MARGIN, LABEL_PAD = 6, 4  # pixels


def pose_edges(num_joints: int, layout: Optional[str] = None
               ) -> Tuple[Tuple[int, int], ...]:
    """The lines between the ``num_joints`` joints of ``layout`` (default:
    the data layout of that joint count; none if unknown): its graph edges,
    else its heatmap limbs."""
    name = layout if layout in LAYOUTS else LAYOUT_BY_JOINTS.get(num_joints)
    skeleton = LAYOUTS.get(name)
    edges = (skeleton.edges or skeleton.limbs) if skeleton else ()
    return tuple((a, b) for a, b in edges
                 if a < num_joints and b < num_joints)


def _to_canvas(keypoint: np.ndarray, img_shape: Optional[Sequence[int]],
               size: Tuple[int, int]) -> np.ndarray:
    """``(M, T, V, 2)`` points in canvas pixels: 2D scaled from
    ``img_shape``; 3D (world) x and -y fitted into the canvas."""
    h, w = size
    if keypoint.shape[-1] == 2 and img_shape is not None:
        return keypoint * np.array([w / img_shape[1], h / img_shape[0]])
    y_up = keypoint.shape[-1] == 3
    xy = keypoint[..., :2] * np.array([1., -1. if y_up else 1.])
    valid = np.isfinite(xy).all(-1) & (np.abs(xy).sum(-1) > 0)
    lo, hi = xy[valid].min(0), xy[valid].max(0)
    scale = 0.9 * min(w, h) / max(float((hi - lo).max()), 1e-6)
    return (xy - (lo + hi) / 2) * scale + np.array([w / 2, h / 2])


def _draw_text(img: np.ndarray, lines: Sequence[str]) -> None:
    """White ``lines`` on opaque dark boxes at the top left: legible on any
    background. One stroke width only: with OpenCV 5 a glyph's advance grows
    with the thickness, so an outline pass at another width does not line
    up with the text (the labels came out garbled)."""
    for i, line in enumerate(lines):
        (width, height), baseline = cv2.getTextSize(
            line, LABEL_FONT, LABEL_SCALE, 1)
        top = LABEL_MARGIN + i * (height + baseline + 2 * LABEL_PAD)
        cv2.rectangle(img, (LABEL_MARGIN, top),
                      (LABEL_MARGIN + width + 2 * LABEL_PAD,
                       top + height + baseline + 2 * LABEL_PAD),
                      LABEL_BOX, cv2.FILLED)
        cv2.putText(img, line, (LABEL_MARGIN + LABEL_PAD,
                                top + LABEL_PAD + height),
                    LABEL_FONT, LABEL_SCALE, LABEL_INK, 1, cv2.LINE_AA)


def _draw_pose(img: np.ndarray, people: np.ndarray, edges) -> None:
    """``people`` (M, V, 2) canvas points; all-zero joints are not drawn."""
    for m, joints in enumerate(people):
        colour = COLOURS[m % len(COLOURS)]
        seen = np.isfinite(joints).all(-1) & (np.abs(joints).sum(-1) > 0)
        pts = np.nan_to_num(joints).round().astype(int)
        for a, b in edges:
            if seen[a] and seen[b]:
                cv2.line(img, tuple(pts[a]), tuple(pts[b]), colour, 2)
        for j in np.flatnonzero(seen):
            cv2.circle(img, tuple(pts[j]), 3, colour, -1)


def write_pose_video(out: str, keypoint: np.ndarray, lines: Sequence[str],
                     img_shape: Optional[Sequence[int]] = None,
                     frames: Optional[np.ndarray] = None,
                     edges: Sequence[Tuple[int, int]] = (), fps: float = 25.,
                     max_side: int = 640) -> None:
    """Write ``out`` (mp4) atomically.

    Args:
        keypoint: ``(M, T, V, C)``, pixels of ``img_shape`` (C = 2) or
            world coordinates (C = 3).
        lines: text written at the top left of every frame.
        frames: ``(T', H, W, 3)`` RGB video frames to draw on (T' may differ
            from T: poses are matched by relative time); None: black.
    """
    if frames is not None:
        img_shape = frames.shape[1:3]
    base = img_shape if keypoint.shape[-1] == 2 and img_shape else (480, 640)
    ratio = min(1., max_side / max(base))
    size = (int(base[0] * ratio) // 2 * 2, int(base[1] * ratio) // 2 * 2)
    points = _to_canvas(np.asarray(keypoint, np.float64), img_shape, size)
    num = len(frames) if frames is not None else points.shape[1]
    directory = osp.dirname(osp.abspath(out))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(out)}.',
                               suffix='.mp4', dir=directory)
    os.close(fd)
    os.chmod(tmp, plain_file_mode())
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (size[1], size[0]))
    try:
        for t in range(num):
            img = np.zeros((*size, 3), np.uint8) if frames is None else \
                cv2.resize(np.ascontiguousarray(frames[t][..., ::-1]),
                           (size[1], size[0]))
            _draw_pose(img, points[:, t * points.shape[1] // num], edges)
            _draw_text(img, lines)
            writer.write(np.ascontiguousarray(img))
        writer.release()
        os.replace(tmp, out)
    finally:
        writer.release()
        if osp.exists(tmp):
            os.remove(tmp)
