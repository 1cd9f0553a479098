"""Re-encode videos to the working size with short GOPs, for cheaper decoding.

    python tools/data/reencode_videos.py data/ma52/raw_videos \
        data/ma52/videos_384 [--short-side 384] [--gop G] [--workers 2]

Every video under SRC_DIR (or each one a --list file names) is written to
the same relative path and name under DST_DIR, so a config only changes
``data_prefix``. The pose pickles stay as they are: ``MMDecode`` rescales
keypoints to the decoded frame size.

Default size: the PCAN pipelines crop the pose box (``MMCompact``: joints
+25 %, squared) and ``Resize`` that crop to ``img_scale`` = 256. A short
side of 384 keeps that Resize a downscale while the box spans at least 2/3
of the short side (a seated full-body MA-52 person spans about all of it),
so no detail the model sees is lost to the smaller source. Re-encoding is
lossy all the same: benchmarks/reencode.py measures how far the model inputs
move.

Frame count and fps are checked with decord (the loaders' reader) after
each write: MA-52 sampling depends on ``total_frames``. Outputs are written
under a temporary name and moved into place, so a rerun skips finished
files (to change settings, use a new DST_DIR).
"""
import argparse
import contextlib
import os
import os.path as osp
import sys
from multiprocessing import Pool

VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.mov', '.webm')
CHUNK = 16  # frames decoded at a time: bounded memory at any resolution


class ReencodeError(Exception):
    """One video (or the command line) cannot be processed; says which."""


def writer_params(cv2, gop):
    """VideoWriter params for a keyframe every ``gop`` frames (None: the
    codec's default, 12 for mp4v). Only OpenCV >= 5.1 sets it
    (``VIDEOWRITER_PROP_GOP_SIZE``); 5.0, the pinned headless build, has
    no such property (its ``KEY_INTERVAL`` is not applied by the FFmpeg
    writer), so asking for one there is an error, not a silent default."""
    if gop is None:
        return []
    prop = getattr(cv2, 'VIDEOWRITER_PROP_GOP_SIZE', None)
    if prop is None:
        raise ReencodeError(f'--gop {gop}: this OpenCV ({cv2.__version__}) '
                            'cannot set the keyframe interval (needs '
                            'OpenCV >= 5.1); leave --gop out to keep the '
                            "codec's default")
    return [prop, gop]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        epilog='Defaults follow configs/pcan/_base_/ma52_rgbpose_pipelines.py'
        ' (see the module docstring).')
    parser.add_argument('src_dir', metavar='SRC_DIR')
    parser.add_argument('dst_dir', metavar='DST_DIR')
    size = parser.add_mutually_exclusive_group()
    size.add_argument('--short-side', type=int, default=384,
                      help='scale the shorter side to this (default 384); '
                      'never upscales')
    size.add_argument('--size', type=int,
                      help='scale the longer side to this instead')
    parser.add_argument('--gop', type=int, default=None,
                        help='frames between keyframes (default: the '
                        "codec's, 12 for mp4v; 1: every frame a keyframe, "
                        'fastest seeks, ~4x larger files); needs OpenCV '
                        '>= 5.1')
    parser.add_argument('--codec', default='mp4v',
                      help='OpenCV fourcc (default mp4v, MPEG-4 part 2: '
                      'fast to encode and decode; the venv\'s OpenCV has '
                      'no H.264 encoder)')
    parser.add_argument('--workers', type=int, default=1,
                        help='videos re-encoded in parallel (default 1)')
    parser.add_argument('--list', metavar='FILE',
                        help='only the videos this list names (first field '
                        'of each line, relative to SRC_DIR, as MA-52 lists)')
    args = parser.parse_args(argv)
    for name in ('short_side', 'size', 'gop', 'workers'):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    if len(args.codec) != 4:
        parser.error(f'--codec {args.codec!r}: expected a 4-letter fourcc')
    return args


def list_videos(src_dir, list_file=None):
    """Relative paths of the videos to re-encode, sorted."""
    if not osp.isdir(src_dir):
        raise ReencodeError(f'SRC_DIR {src_dir} does not exist')
    if list_file is None:
        return sorted(
            osp.relpath(osp.join(root, name), src_dir)
            for root, _, names in os.walk(src_dir) for name in names
            if name.lower().endswith(VIDEO_EXTS) and not name.startswith('.'))
    return _read_list(src_dir, list_file)


def _read_list(src_dir, list_file):
    if not osp.isfile(list_file):
        raise ReencodeError(f'--list {list_file} does not exist')
    videos = []
    with open(list_file) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            rel = line.split()[0]
            if not osp.isfile(osp.join(src_dir, rel)):
                raise ReencodeError(f'{list_file}, line {number}: {rel} is '
                                    f'not a file under {src_dir}')
            videos.append(rel)
    return videos


def target_size(width, height, short_side=None, size=None):
    """(width, height) scaled so the short (or, with ``size``, the long)
    side is at most that; sides rounded down to even (4:2:0 encoders need
    it), so never larger than the source."""
    side = min(width, height) if size is None else max(width, height)
    scale = min(1.0, (short_side if size is None else size) / side)
    return (max(2, int(width * scale + 1e-6) // 2 * 2),
            max(2, int(height * scale + 1e-6) // 2 * 2))


@contextlib.contextmanager
def _quiet_stderr():
    """Silence FFmpeg's and decord's C-level log lines on fd 2: a failure
    is reported as one ``error:`` line naming the file instead."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, 'w') as null:
        os.dup2(null.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _open_source(src):
    import decord
    try:
        # one decoder thread per worker: --workers spreads the cores
        return decord.VideoReader(src, num_threads=1)
    except Exception:  # decord raises its own DECORDError types
        raise ReencodeError(f'{src}: not a video decord can open (broken '
                            'or truncated file?)') from None


def _first_line(err):
    text = str(err).strip().splitlines()
    return text[0][:200] if text else type(err).__name__


def _write(reader, tmp, fps, wh, args):
    """Decode ``reader`` in chunks, resize, write ``tmp``."""
    import cv2
    writer = cv2.VideoWriter(tmp, cv2.CAP_FFMPEG,
                             cv2.VideoWriter_fourcc(*args.codec), fps, wh,
                             writer_params(cv2, args.gop))
    if not writer.isOpened():
        raise ReencodeError(f'--codec {args.codec}: OpenCV cannot write it '
                            f'to {osp.basename(tmp)}')
    try:
        for start in range(0, len(reader), CHUNK):
            stop = min(len(reader), start + CHUNK)
            for frame in reader.get_batch(range(start, stop)).asnumpy():
                if frame.shape[1::-1] != wh:
                    frame = cv2.resize(frame, wh,
                                       interpolation=cv2.INTER_AREA)
                writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()


def _check(src, tmp, frames, fps):
    """The output has the source's frame count and fps (read by decord)."""
    import decord
    try:
        out = decord.VideoReader(tmp, num_threads=1)
    except Exception as err:
        raise ReencodeError(f'{src}: the re-encoded video cannot be read '
                            f'({_first_line(err)})') from None
    if len(out) != frames:
        raise ReencodeError(f'{src}: re-encoded video has {len(out)} frames, '
                            f'the source {frames}; nothing written')
    # the container stores fps as a fraction: allow its rounding only
    if abs(out.get_avg_fps() - fps) > 1e-4 * fps:
        raise ReencodeError(f'{src}: re-encoded video runs at '
                            f'{out.get_avg_fps():.4f} fps, the source '
                            f'{fps:.4f}; nothing written')


def reencode(src, dst, args):
    """Re-encode one video atomically; returns (bytes in, bytes out)."""
    reader = _open_source(src)
    height, width = reader[0].shape[:2]
    wh = target_size(width, height, args.short_side, args.size)
    fps, frames = reader.get_avg_fps(), len(reader)
    os.makedirs(osp.dirname(dst) or '.', exist_ok=True)
    # keeps the extension: OpenCV picks the container from it
    tmp = osp.join(osp.dirname(dst),
                   f'.{osp.basename(dst)}.tmp{os.getpid()}'
                   f'{osp.splitext(dst)[1]}')
    try:
        try:
            _write(reader, tmp, fps, wh, args)
        except ReencodeError:
            raise
        except Exception as err:  # a broken stream fails mid-decode
            raise ReencodeError(f'{src}: re-encoding failed '
                                f'({_first_line(err)})') from None
        _check(src, tmp, frames, fps)
        os.replace(tmp, dst)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return osp.getsize(src), osp.getsize(dst)


def _job(item):
    """Pool task: (rel, bytes in, bytes out, skipped, error line or None)."""
    rel, args = item
    src, dst = osp.join(args.src_dir, rel), osp.join(args.dst_dir, rel)
    if osp.exists(dst):  # finished on an earlier run (writes are atomic)
        return rel, osp.getsize(src), osp.getsize(dst), True, None
    try:
        with _quiet_stderr():
            return (rel, *reencode(src, dst, args), False, None)
    except ReencodeError as err:
        return rel, 0, 0, False, str(err)
    except OSError as err:  # disk full, permissions: name the file
        return rel, 0, 0, False, f'{dst}: cannot write ({err.strerror})'


def _progress(done, total, rel):
    if done == total or done % max(1, total // 100) == 0:
        print(f'[{done}/{total}] {rel}', flush=True)


def run(args):
    """Re-encode every video; returns the number of failed videos."""
    if osp.abspath(args.src_dir) == osp.abspath(args.dst_dir):
        raise ReencodeError('DST_DIR must differ from SRC_DIR (the sources '
                            'would be overwritten)')
    import cv2
    writer_params(cv2, args.gop)  # an unsupported --gop stops before any
    videos = list_videos(args.src_dir, args.list)
    if not videos:
        raise ReencodeError(f'SRC_DIR {args.src_dir}: no videos ('
                            f'{", ".join(VIDEO_EXTS)})')
    items = [(rel, args) for rel in videos]
    before = after = skipped = 0
    errors = []
    with Pool(args.workers) if args.workers > 1 else _Serial() as pool:
        for done, (rel, size_in, size_out, skip, error) in enumerate(
                pool.imap_unordered(_job, items), 1):
            _progress(done, len(items), rel)
            if error:
                errors.append(error)
                continue
            before, after, skipped = (before + size_in, after + size_out,
                                      skipped + skip)
    _summary(len(videos) - len(errors), skipped, before, after, args)
    for error in errors:
        print(f'error: {error}', file=sys.stderr)
    return len(errors)


class _Serial:
    """``Pool``'s interface in this process (--workers 1)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    @staticmethod
    def imap_unordered(fn, items):
        return map(fn, items)


def _summary(count, skipped, before, after, args):
    ratio = f' ({after / before:.1%})' if before else ''
    print(f'{count} videos in {args.dst_dir}: {count - skipped} re-encoded, '
          f'{skipped} already there; {before / 2**20:.1f} MiB -> '
          f'{after / 2**20:.1f} MiB{ratio}')


def main(args):
    try:
        failed = run(args)
    except ReencodeError as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(1)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main(parse_args())
