"""I3D clip features of raw videos in HAAN's layout
(``tools/data/extract_features.py``).

A video is resampled to ``fps`` (nearest frame), cut into clips of
``clip_len`` frames every ``stride`` frames (a tail shorter than a clip is
dropped; a video shorter than one clip gives one clip, its last frame
repeated), each clip resized (short side), centre-cropped and normalised as
mmaction2's I3D test pipeline, and the backbone output ``(1, 2048, t, h, w)``
averaged to one 2048-d vector. ``sec2clip_ratio`` = clips per second =
``fps / stride`` (1.5 for HAAN's FineGym features: 24 fps, 16-frame clips).
"""
from typing import Dict, Iterator, List, Optional, Tuple

import cv2
import numpy as np
import torch
from mmengine.config import Config

from ..utils import data_error


def resampled_frames(video: str, fps: float, short_side: int
                     ) -> Tuple[List[np.ndarray], float]:
    """RGB frames at ``fps`` (short side resized) and the video's own fps."""
    cap = cv2.VideoCapture(video)
    if not cap.isOpened():
        raise data_error(video, 'video cannot be opened', field='video')
    src_fps = cap.get(cv2.CAP_PROP_FPS) or fps
    frames, index, kept = [], 0, 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            # keep source frame i for every target time k / fps nearest to it
            while kept * src_fps / fps < index + 0.5:
                frames.append(_resize(frame, short_side))
                kept += 1
            index += 1
    finally:
        cap.release()
    if not frames:
        raise data_error(video, 'no frame can be decoded', field='video')
    return frames, src_fps


def _resize(bgr: np.ndarray, short_side: int) -> np.ndarray:
    h, w = bgr.shape[:2]
    scale = short_side / min(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.cvtColor(cv2.resize(bgr, size, interpolation=cv2.INTER_LINEAR),
                        cv2.COLOR_BGR2RGB)


def clips(frames: List[np.ndarray], clip_len: int, stride: int,
          crop: int) -> Iterator[np.ndarray]:
    """``(clip_len, crop, crop, 3)`` uint8 clips, centre-cropped."""
    h, w = frames[0].shape[:2]
    top, left = (h - crop) // 2, (w - crop) // 2
    if len(frames) < clip_len:
        frames = frames + [frames[-1]] * (clip_len - len(frames))
    for start in range(0, len(frames) - clip_len + 1, stride):
        yield np.stack([f[top:top + crop, left:left + crop]
                        for f in frames[start:start + clip_len]])


def build_extractor(config: str, checkpoint: Optional[str] = None,
                    device: str = 'cpu'):
    """The config's I3D recognizer (eval mode), its weights from
    ``checkpoint`` (default: the config's ``load_from``; ``'none'``: random
    init, for tests), and the config's ``feature`` settings."""
    from mmengine.registry import init_default_scope
    from mmaction.registry import MODELS
    from .inference import load_weights
    cfg = Config.fromfile(config)
    init_default_scope('mmaction')
    model = MODELS.build(cfg.model)
    source = cfg.get('load_from') if checkpoint is None else checkpoint
    if source and source != 'none':
        load_weights(model, source)
    return model.to(device).eval(), dict(cfg.feature)


@torch.no_grad()
def video_features(model, video: str, settings: Dict, batch: int = 4
                   ) -> Tuple[np.ndarray, float]:
    """``(T, 2048)`` float32 clip features of ``video`` and its
    sec2clip_ratio."""
    frames, _ = resampled_frames(video, settings['fps'],
                                 settings['short_side'])
    device = next(model.parameters()).device
    pre = model.data_preprocessor
    mean = torch.as_tensor(pre.mean, device=device).view(1, 3, 1, 1, 1)
    std = torch.as_tensor(pre.std, device=device).view(1, 3, 1, 1, 1)
    out, pending = [], []

    def flush():
        x = torch.from_numpy(np.stack(pending)).to(device)  # N T H W C
        x = (x.permute(0, 4, 1, 2, 3).float() - mean) / std
        out.append(model.backbone(x).mean(dim=(2, 3, 4)).cpu().numpy())
        pending.clear()

    for clip in clips(frames, settings['clip_len'], settings['stride'],
                      settings['crop_size']):
        pending.append(clip)
        if len(pending) == batch:
            flush()
    if pending:
        flush()
    return (np.concatenate(out).astype(np.float32),
            settings['fps'] / settings['stride'])


RATIO_FILE = 'sec2clip_ratios.json'


def recorded_ratio(feature_file: str) -> Optional[float]:
    """The sec2clip_ratio the extractor recorded for ``FEAT_DIR/features/
    <video>.npy`` (in ``FEAT_DIR/sec2clip_ratios.json``), or None."""
    import json
    import os.path as osp
    folder = osp.dirname(osp.abspath(feature_file))
    stem = osp.splitext(osp.basename(feature_file))[0]
    for path in (osp.join(folder, RATIO_FILE),
                 osp.join(osp.dirname(folder), RATIO_FILE)):
        if osp.isfile(path):
            with open(path) as f:
                ratio = json.load(f).get(stem)
            if ratio is not None:
                return float(ratio)
    return None


def haan_annotations(rows: List[Tuple[str, float, float, int]],
                     ratios: Dict[str, float],
                     names: Optional[List[str]] = None
                     ) -> Dict[str, np.ndarray]:
    """HAAN's annotation arrays (as the official ``dataset/<DS>/*.npy``)
    from segment rows ``(video, start s, end s, class id)`` and the
    extractor's ratios: ``video_names``, ``labels`` and ``segments``
    (object arrays of per-video lists), ``sec2clip_ratios`` (float64);
    videos in ``names`` order (default: sorted)."""
    names = sorted({r[0] for r in rows}) if names is None else names
    missing = [n for n in names if n not in ratios]
    if missing:
        raise data_error(missing[0], 'has segments but no extracted features')
    labels = np.empty(len(names), object)
    segments = np.empty(len(names), object)
    for i, name in enumerate(names):
        mine = sorted((r for r in rows if r[0] == name), key=lambda r: r[1])
        labels[i] = [int(r[3]) for r in mine]
        segments[i] = [[float(r[1]), float(r[2])] for r in mine]
    return dict(video_names=np.array(names, dtype=object), labels=labels,
                segments=segments,
                sec2clip_ratios=np.array([ratios[n] for n in names],
                                         np.float64))
