"""Check videos before a long run: unreadable files, fewer decodable frames
than the annotation says, another fps or size.

    python tools/data/check_videos.py data/ma52/raw_videos \
        --list data/ma52/annotations/val_list_videos.txt \
        --pose data/ma52/MA-52_openpose_28kp/MA52_val.pkl --workers 4
    python tools/data/check_videos.py my_videos --fps 30 --size 1920 1080

Checks every video under VIDEO_DIR, or those a ``--list`` (``<video>
<label>``, or ``<video> <frames> <label>``) or ``--pose`` pickle names
(relative to VIDEO_DIR). Each video is decoded in full with decord, the
loaders' reader. Frame counts come from the list's frames column and the
pickle's ``total_frames``; the size from the pickle's ``original_shape`` /
``img_shape`` or ``--size``; the fps from ``--fps`` (or a pickle ``fps``).
The report (one line per video with a problem) goes to ``--out``, by default
``work_dirs/check_videos/<VIDEO_DIR name>.txt``; the exit status is 1 when
any video has a problem.
"""
import argparse
import os.path as osp
import sys
from multiprocessing import Pool

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('video_dir', metavar='VIDEO_DIR')
    parser.add_argument('--list', metavar='FILE', help='only the videos this '
                        'list names: "<video> <label>" (MA-52) or "<video> '
                        '<frames> <label>"')
    parser.add_argument('--pose', metavar='PKL', help='pose pickle whose '
                        'total_frames and shape the videos must match')
    parser.add_argument('--fps', type=float, help='fps every video must have')
    parser.add_argument('--size', type=int, nargs=2, metavar=('W', 'H'),
                        help='frame size every video must have')
    parser.add_argument('--workers', type=int, default=1,
                        help='videos decoded in parallel (default 1)')
    parser.add_argument('--out', help='report file (default: work_dirs/'
                        'check_videos/<VIDEO_DIR name>.txt)')
    args = parser.parse_args()
    if args.workers < 1:
        parser.exit(1, 'error: --workers must be >= 1\n')
    return args


def expectations(args):
    """``{video: expected facts}`` in the order they are checked."""
    from mmaction2_ext.datasets.video_check import (folder_videos,
                                                     pose_expectations,
                                                     read_list)
    from mmaction2_ext.utils import missing_file
    if not osp.isdir(args.video_dir):
        raise missing_file('VIDEO_DIR', args.video_dir)
    for flag in ('list', 'pose'):
        path = getattr(args, flag)
        if path is not None and not osp.isfile(path):
            raise missing_file(f'--{flag}', path)
    pose = pose_expectations(args.pose) if args.pose else {}
    if args.list:
        videos = read_list(args.list)
    elif args.pose:
        videos = {name: {} for name in pose}
    else:
        videos = {name: {} for name in folder_videos(args.video_dir)}
    given = {}
    if args.fps is not None:
        given['fps'] = args.fps
    if args.size is not None:
        given['size'] = tuple(args.size)
    for name, facts in videos.items():
        known = pose.get(osp.basename(name), {})
        frames = max(facts.get('frames', 0), known.get('frames', 0))
        facts.update({**known, **given})
        if frames:
            facts['frames'] = frames
    return videos


def _check(item):
    from mmaction2_ext.apis.inference import native_stderr_silenced
    from mmaction2_ext.datasets.video_check import video_problems
    name, facts, video_dir = item
    with native_stderr_silenced():  # the report names each broken file
        return name, video_problems(osp.join(video_dir, name), facts)


def main(args):
    from mmengine.utils import ProgressBar

    from mmaction2_ext.utils import atomic_write
    videos = expectations(args)
    out = args.out or osp.join('work_dirs', 'check_videos',
                               osp.basename(osp.normpath(args.video_dir)) +
                               '.txt')
    items = [(name, facts, args.video_dir) for name, facts in videos.items()]
    bad = {}
    bar = ProgressBar(len(items)) if items else None
    with Pool(args.workers) as pool:
        for name, problems in pool.imap(_check, items):
            if problems:
                bad[name] = problems
            bar.update()
    print()
    with atomic_write(out, 'w') as f:
        f.write(f'# {len(bad)} of {len(items)} videos in {args.video_dir} '
                'have problems\n')
        for name, problems in bad.items():
            f.write(f'{name}\t{"; ".join(problems)}\n')
    for name, problems in list(bad.items())[:10]:
        print(f'{name}: {"; ".join(problems)}')
    print(f'{len(bad)} of {len(items)} videos have problems; report: {out}')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before the heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
