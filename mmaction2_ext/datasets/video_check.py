"""Checking video files against what their annotations promise
(``tools/data/check_videos.py``): every frame decodes, at least as many
frames as the list or pose pickle says, the annotated fps and size.

Expectations come from a list file (``<video> <label>`` as MA-52's
``*_list_videos.txt``, or ``<video> <frames> <label>`` with the frame count),
a pose pickle (``total_frames``, ``original_shape`` or ``img_shape`` (H, W),
``fps`` if present) and fps / size given for every video.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

from ..utils import data_error, safe_load
from .ma52 import video_name

VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.mov', '.webm')
CHUNK = 32  # frames decoded at a time: bounded memory at any resolution
FPS_TOLERANCE = 1e-3  # relative: containers store fps as a rounded fraction


def folder_videos(src_dir: str) -> List[str]:
    """Relative paths of the videos under ``src_dir``, sorted."""
    return sorted(
        osp.relpath(osp.join(root, name), src_dir)
        for root, _, names in os.walk(src_dir) for name in names
        if name.lower().endswith(VIDEO_EXTS) and not name.startswith('.'))


def read_list(path: str) -> Dict[str, dict]:
    """``{video: expectations}`` of a list file, in its order; a three-column
    line gives the frame count (second column)."""
    videos = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) not in (2, 3) or not all(
                    p.isdigit() for p in parts[1:]):
                raise data_error(path, f'line {number}: expected "<video> '
                                 '<label>" or "<video> <frames> <label>", '
                                 f'got {line.strip()!r}')
            videos[parts[0]] = dict(frames=int(parts[1])) \
                if len(parts) == 3 else {}
    return videos


def pose_expectations(path: str) -> Dict[str, dict]:
    """``{<id>.mp4: expectations}`` of a pose pickle (plain list or PYSKL
    split dict, every split)."""
    data = safe_load(path, 'pose pickle')
    annos = data.get('annotations') if isinstance(data, dict) else data
    if not isinstance(annos, list):
        raise data_error(path, 'expected a list of annotation dicts or a '
                         'dict with "annotations"')
    expected = {}
    for index, anno in enumerate(annos):
        if not isinstance(anno, dict) or not ('frame_dir' in anno
                                              or 'filename' in anno):
            raise data_error(path, 'expected a dict with frame_dir or '
                             'filename', f'#{index}')
        facts = {}
        if 'total_frames' in anno:
            facts['frames'] = int(anno['total_frames'])
        shape = anno.get('original_shape', anno.get('img_shape'))
        if shape is not None:
            facts['size'] = (int(shape[1]), int(shape[0]))
        if 'fps' in anno:
            facts['fps'] = float(anno['fps'])
        expected[video_name(anno)] = facts
    return expected


def decode_facts(path: str) -> Tuple[dict, Optional[str]]:
    """What decord reads from ``path``: ``frames`` (decodable, counted by
    decoding all), ``fps``, ``size`` (W, H); and the
    decoder's error if it stopped early (None if every frame decoded)."""
    import decord
    try:
        reader = decord.VideoReader(path, num_threads=1)
    except Exception as err:  # decord raises its own DECORDError types
        return {}, f'cannot be opened ({_first_line(err)})'
    facts = dict(fps=reader.get_avg_fps(), frames=0)
    try:
        for start in range(0, len(reader), CHUNK):
            batch = reader.get_batch(
                range(start, min(len(reader), start + CHUNK))).asnumpy()
            facts['size'] = (batch.shape[2], batch.shape[1])
            facts['frames'] += len(batch)
    except Exception as err:  # a broken stream fails mid-decode
        return facts, f'decoding stops at frame {facts["frames"]} ' \
            f'({_first_line(err)})'
    return facts, None


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:160] if text else type(err).__name__


def video_problems(path: str, expected: dict) -> List[str]:
    """What is wrong with ``path`` given ``expected`` (``frames`` at least,
    ``fps``, ``size`` (W, H)); empty if nothing."""
    if not osp.isfile(path):
        return ['file not found']
    if osp.getsize(path) == 0:
        return ['empty file']
    facts, error = decode_facts(path)
    problems = [error] if error else []
    if not facts:
        return problems
    if facts['frames'] == 0 and not error:
        problems.append('no frames')
    frames = expected.get('frames')
    if frames is not None and facts['frames'] < frames:
        problems.append(f'{facts["frames"]} decodable frames, the annotation '
                        f'says {frames}')
    fps = expected.get('fps')
    if fps is not None and abs(facts['fps'] - fps) > FPS_TOLERANCE * fps:
        problems.append(f'{facts["fps"]:.3f} fps, the annotation says '
                        f'{fps:g}')
    size = expected.get('size')
    if size is not None and 'size' in facts and tuple(size) != facts['size']:
        problems.append('size {}x{}, the annotation says {}x{}'.format(
            *facts['size'], *size))
    return problems
