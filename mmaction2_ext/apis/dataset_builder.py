"""Build a training set from one's own clips (``tools/data/build_dataset.py``).

Every clip gets one result file ``DATA_DIR/cache/<clip>.pkl`` (its poses and
report, or why it is skipped), written atomically: a run killed at any point
loses at most the clips in flight, and a rerun skips every clip whose result
is there and whose source files did not change. The data set files are
written (atomically) from these results at the end of a whole run or by the
merge of a sharded one:

    label_map.txt                        class names, index order
    raw_videos/<clip><ext>               the videos (hard links, else copies)
    MA-52_openpose_28kp/MA52_<split>.pkl MA-52 pose pickles (--layout ma52)
    annotations/<split>_list_videos.txt  MA-52 video lists
    skeleton_coco.pkl                    PYSKL: split + annotations, COCO-17
    report.csv                           per clip: frames, persons, fps, ...
    skipped.txt                          clips left out, with the reason
"""
import csv
import itertools
import os
import os.path as osp
import shutil
import sys
import time
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..datasets.pose_import import (OPENPOSE18_TO_COCO17, OPENPOSE_LAYOUTS,
                                    load_mmpose, load_openpose, read_json)
from ..datasets.video_sources import Clip
from ..utils import DataError, atomic_pickle_dump, atomic_write, safe_load

CACHE = 'cache'
SHARDS = 'shards'
#: bump when a result's content changes meaning (old results are redone)
RESULT_VERSION = 1
REPORT_FIELDS = ('name', 'class', 'split', 'status', 'frames',
                 'person_frames', 'fps', 'height', 'width', 'decode_s',
                 'pose_s', 'seconds', 'reason')


class SkipClip(Exception):
    """A clip that cannot be used (unreadable, no person, too short)."""


def _stat(path: Optional[str]):
    if path is None:
        return None
    st = os.stat(path)
    return (osp.abspath(path), st.st_size, st.st_mtime_ns)


def signature(clip: Clip, options: Dict) -> Tuple:
    """What a clip's result depends on: its files and the pose options."""
    return (RESULT_VERSION, _stat(clip.video), _stat(clip.pose),
            tuple(sorted(options.items())))


def _probe(video: str) -> Dict:
    """fps and (H, W) of a video; an unreadable one is a :class:`SkipClip`."""
    import cv2
    cap = cv2.VideoCapture(video)
    try:
        ok, frame = cap.read() if cap.isOpened() else (False, None)
        if not ok:
            raise SkipClip('unreadable video (no frame can be decoded)')
        return dict(fps=float(cap.get(cv2.CAP_PROP_FPS) or 0),
                    height=frame.shape[0], width=frame.shape[1])
    finally:
        cap.release()


def _timed(frames: Iterable, clock: List[float]):
    """``frames``, adding the time each one took to come to ``clock[0]``."""
    frames = iter(frames)
    while True:
        start = time.perf_counter()
        try:
            frame = next(frames)
        except StopIteration:
            clock[0] += time.perf_counter() - start
            return
        clock[0] += time.perf_counter() - start
        yield frame


def _extracted(video: str, layout: str, max_frames: Optional[int],
               report: Dict) -> Dict:
    """MediaPipe poses of the video's first ``max_frames`` frames."""
    from .pose_extract import _frames, frame_poses
    decode = [0.]
    start = time.perf_counter()
    kp, _ = frame_poses(_timed(itertools.islice(_frames(video), max_frames),
                               decode), layout)
    report['decode_s'] = decode[0]
    report['pose_s'] = time.perf_counter() - start - decode[0]
    return dict(keypoint=kp[None, ..., :2].copy(),
                keypoint_score=kp[None, ..., 2].copy())


def _imported(path: str, layout: str) -> Dict:
    """Existing poses: ``.npy`` (T, V, 2|3) / (M, T, V, 2|3), an mmpose
    ``.json`` (COCO-17) or an OpenPose JSON folder."""
    joints = OPENPOSE_LAYOUTS[layout]
    if osp.isdir(path):
        anno = load_openpose(path, layout)
    elif path.endswith('.json'):
        if layout != 'coco':
            raise SkipClip(f'{path}: mmpose poses are COCO-17, use '
                           '--layout coco')
        anno = load_mmpose(path, read_json(path))
    else:
        kp = np.load(path, allow_pickle=False).astype(np.float32)
        kp = kp[None] if kp.ndim == 3 else kp
        if kp.ndim != 4 or kp.shape[-1] not in (2, 3):
            raise SkipClip(f'{path}: keypoints of shape {kp.shape}, '
                           'expected (T, V, 2|3) or (M, T, V, 2|3)')
        score = kp[..., 2] if kp.shape[-1] == 3 else np.ones(kp.shape[:3],
                                                             np.float32)
        anno = dict(keypoint=kp[..., :2].copy(), keypoint_score=score)
    if anno['keypoint'].shape[2] != joints:
        raise SkipClip(f'{path}: {anno["keypoint"].shape[2]} joints, '
                       f'--layout {layout} has {joints}')
    return dict(keypoint=anno['keypoint'].astype(np.float32),
                keypoint_score=anno['keypoint_score'].astype(np.float32))


def clip_result(clip: Clip, options: Dict) -> Dict:
    """Poses and report of one clip (``status`` 'ok'), or the reason it is
    skipped (``status`` 'skip')."""
    start = time.perf_counter()
    report = dict(name=clip.name, status='ok', frames=0, person_frames=0,
                  fps='', height='', width='', decode_s=0., pose_s=0.,
                  reason='')
    anno = None
    try:
        if clip.video is not None:
            report.update(_probe(clip.video))
        elif options['img_shape'] is not None:
            report['height'], report['width'] = options['img_shape']
        else:
            raise SkipClip('poses without a video: give --img-shape H W')
        if clip.pose is not None:
            try:
                anno = _imported(clip.pose, options['layout'])
            except DataError as err:  # a malformed pose file: this clip only
                raise SkipClip(str(err)) from err
        else:
            anno = _extracted(clip.video, options['layout'],
                              options['max_frames'], report)
        frames = anno['keypoint'].shape[1]
        report['frames'] = frames
        report['person_frames'] = int((anno['keypoint_score'] > 0).any(
            axis=(0, 2)).sum())
        if frames < options['min_frames']:
            raise SkipClip(f'too short: {frames} frame(s), --min-frames is '
                           f'{options["min_frames"]}')
        if report['person_frames'] == 0:
            raise SkipClip('no person found in any frame')
    except SkipClip as err:
        report.update(status='skip', reason=str(err))
        anno = None
    report['seconds'] = time.perf_counter() - start
    if anno is not None:
        anno.update(img_shape=(report['height'], report['width']),
                    total_frames=anno['keypoint'].shape[1])
    return dict(signature=signature(clip, options), report=report, anno=anno)


def result_path(out: str, clip: Clip) -> str:
    return osp.join(out, CACHE, clip.name + '.pkl')


def cached_result(out: str, clip: Clip, options: Dict) -> Optional[Dict]:
    """The clip's stored result if its sources are unchanged, else None."""
    path = result_path(out, clip)
    if not osp.isfile(path):
        return None
    result = safe_load(path)
    return result if result.get('signature') == signature(clip, options) \
        else None


def _work(task) -> Tuple[str, Dict]:
    """Worker: compute and store one clip's result (atomic)."""
    out, clip, options = task
    result = clip_result(clip, options)
    atomic_pickle_dump(result, result_path(out, clip))
    return clip.name, result['report']


class Progress:
    """``[done/total] videos, frames/s, ETA`` on stderr."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.frames = total, 0, 0
        self.start = time.perf_counter()

    def update(self, report: Dict) -> None:
        self.done += 1
        self.frames += int(report.get('frames') or 0)
        elapsed = time.perf_counter() - self.start
        eta = elapsed / self.done * (self.total - self.done)
        end = '\r' if sys.stderr.isatty() and self.done < self.total else '\n'
        print(f'[{self.done}/{self.total}] videos, '
              f'{self.frames / max(elapsed, 1e-9):.1f} frames/s, ETA '
              f'{int(eta // 60)}:{int(eta % 60):02d}', end=end,
              file=sys.stderr, flush=True)


def process(out: str, clips: Sequence[Clip], options: Dict,
            workers: int = 1) -> Dict[str, Dict]:
    """Results of ``clips`` (cached ones reused, the others computed in
    ``workers`` processes); {clip name: report}."""
    os.makedirs(osp.join(out, CACHE), exist_ok=True)
    reports, todo = {}, []
    for clip in clips:
        cached = cached_result(out, clip, options)
        if cached is None:
            todo.append((out, clip, options))
        else:
            reports[clip.name] = cached['report']
    if reports:
        print(f'{len(reports)} clip(s) already done, {len(todo)} to go',
              file=sys.stderr)
    progress = Progress(len(todo))
    if workers <= 1:
        results = map(_work, todo)
    else:
        import multiprocessing
        # spawn, not fork: a fork of a process that already ran MediaPipe
        # (its TFLite threads) can hang
        pool = multiprocessing.get_context('spawn').Pool(workers)
        results = pool.imap_unordered(_work, todo)
    try:
        for name, report in results:
            reports[name] = report
            progress.update(report)
    finally:
        if workers > 1:
            pool.terminate()
    return reports


# --- shards ----------------------------------------------------------------
def parse_shard(text: str) -> Tuple[int, int]:
    """``'K/N'`` -> (K, N) with 1 <= K <= N."""
    try:
        k, n = (int(v) for v in text.split('/'))
    except ValueError:
        k = n = 0
    if not 1 <= k <= n:
        raise DataError(f'--shard {text}: expected K/N with 1 <= K <= N')
    return k, n


def shard_clips(clips: Sequence[Clip], k: int, n: int) -> List[Clip]:
    """Every N-th clip in name order, starting at the K-th."""
    return sorted(clips, key=lambda c: c.name)[k - 1::n]


def write_shard_manifest(out: str, k: int, n: int,
                         clips: Sequence[Clip]) -> str:
    path = osp.join(out, SHARDS, f'{k}-of-{n}.txt')
    with atomic_write(path, 'w') as f:
        f.writelines(f'{c.name}\n' for c in clips)
    return path


def check_shards(out: str, clips: Sequence[Clip]) -> None:
    """Every clip in exactly one shard's manifest, all N shards present."""
    folder = osp.join(out, SHARDS)
    names = sorted(os.listdir(folder)) if osp.isdir(folder) else []
    if not names:
        raise DataError(f'{folder}: no shard manifests; run the --shard K/N '
                        'parts first')
    counts = {name.split('-of-')[-1][:-4] for name in names}
    if len(counts) != 1:
        raise DataError(f'{folder}: manifests of different shard counts '
                        f'({", ".join(sorted(names))})')
    n = int(counts.pop())
    missing = [f'{k}-of-{n}.txt' for k in range(1, n + 1)
               if f'{k}-of-{n}.txt' not in names]
    if missing:
        raise DataError(f'{folder}: shard(s) {", ".join(missing)} not done')
    owner: Dict[str, str] = {}
    for name in names:
        with open(osp.join(folder, name)) as f:
            for clip in f.read().split():
                if clip in owner:
                    raise DataError(f'{folder}/{name}: clip {clip!r} is also '
                                    f'in {owner[clip]}')
                owner[clip] = name
    absent = [c.name for c in clips if c.name not in owner]
    if absent:
        raise DataError(f'{folder}: clip {absent[0]!r} is in no shard '
                        f'({len(absent)} missing)')
    extra = sorted(set(owner) - {c.name for c in clips})
    if extra:
        raise DataError(f'{folder}/{owner[extra[0]]}: clip {extra[0]!r} is '
                        'not in the input')


# --- the data set files ------------------------------------------------------
def _place_video(src: str, dst: str) -> None:
    """``dst`` as a hard link to ``src`` (a copy across file systems),
    replaced atomically."""
    if osp.isfile(dst) and os.path.samefile(src, dst):
        return
    tmp = dst + '.tmp'
    if osp.lexists(tmp):
        os.remove(tmp)
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def _coco(anno: Dict, layout: str) -> Dict:
    if layout == 'coco':
        return anno
    index = list(OPENPOSE18_TO_COCO17)
    return dict(anno, keypoint=anno['keypoint'][:, :, index],
                keypoint_score=anno['keypoint_score'][:, :, index])


def write_dataset(out: str, classes: Sequence[str], clips: Sequence[Clip],
                  layout: str) -> Dict:
    """Write the data set files from the stored results; returns a summary
    (clips per split, skipped clips with reasons)."""
    order = sorted(clips, key=lambda c: (c.split, c.name))
    results = {c.name: safe_load(result_path(out, c)) for c in order}
    kept = [c for c in order if results[c.name]['anno'] is not None]
    skipped = [c for c in order if results[c.name]['anno'] is None]
    with atomic_write(osp.join(out, 'label_map.txt'), 'w') as f:
        f.writelines(f'{name}\n' for name in classes)
    splits = [s for s in ('train', 'val', 'test')
              if any(c.split == s for c in kept)]
    annos = {}
    for clip in kept:
        anno = dict(results[clip.name]['anno'], frame_dir=clip.name,
                    label=clip.label)
        anno['original_shape'] = anno['img_shape']
        annos[clip.name] = anno
    if layout == 'ma52' and any(c.video for c in kept):
        os.makedirs(osp.join(out, 'raw_videos'), exist_ok=True)
        for split in splits:
            members = [c for c in kept if c.split == split and c.video]
            entries = []
            for clip in members:
                ext = osp.splitext(clip.video)[1].lower()
                _place_video(clip.video, osp.join(out, 'raw_videos',
                                                  clip.name + ext))
                entry = dict(annos[clip.name])
                if ext != '.mp4':  # MA-52 entries name <frame_dir>.mp4
                    entry['filename'] = clip.name + ext
                entries.append(entry)
            atomic_pickle_dump(entries, osp.join(
                out, 'MA-52_openpose_28kp', f'MA52_{split}.pkl'))
            with atomic_write(osp.join(out, 'annotations',
                                       f'{split}_list_videos.txt'), 'w') as f:
                f.writelines(f'{osp.basename(e.get("filename", e["frame_dir"] + ".mp4"))} '
                             f'{e["label"]}\n' for e in entries)
    atomic_pickle_dump(
        dict(split={s: [c.name for c in kept if c.split == s]
                    for s in splits},
             annotations=[_coco(annos[c.name], layout) for c in kept]),
        osp.join(out, 'skeleton_coco.pkl'))
    with atomic_write(osp.join(out, 'report.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, REPORT_FIELDS)
        writer.writeheader()
        for clip in order:
            row = dict(results[clip.name]['report'], name=clip.name,
                       split=clip.split)
            row['class'] = clip.class_name
            writer.writerow({k: (f'{v:.3f}' if isinstance(v, float) else v)
                             for k, v in row.items() if k in REPORT_FIELDS})
    with atomic_write(osp.join(out, 'skipped.txt'), 'w') as f:
        f.writelines(f'{c.video or c.pose}\t'
                     f'{results[c.name]["report"]["reason"]}\n'
                     for c in skipped)
    return dict(classes=len(classes),
                splits={s: sum(c.split == s for c in kept) for s in splits},
                skipped=[(c.video or c.pose,
                          results[c.name]['report']['reason'])
                         for c in skipped])


__all__ = ['clip_result', 'process', 'write_dataset', 'parse_shard',
           'shard_clips', 'write_shard_manifest', 'check_shards']
