"""Build a data set for every method from your own videos (or poses).

    python tools/data/build_dataset.py VIDEO_ROOT --out DATA_DIR \
        [--layout ma52|coco] [--list list.csv [--label-map FILE] |
         --val-ratio 0.2 --seed 0] [--workers N] [--shard K/N | --merge]

VIDEO_ROOT holds class sub-folders ``<class>/<clip>.mp4`` (or a CSV list
``path,label[,split]``). Poses come from MediaPipe (the [pose] extra, run in
``.venv-pose``) unless ``<clip>.npy`` keypoints, an mmpose ``<clip>.json``
or an OpenPose JSON folder ``<clip>/`` lie beside the video (then no
MediaPipe; skeleton-only sets need no video, only ``--img-shape``).
Resumable: a rerun skips clips already done. ``--shard K/N`` does one part
(N machines / a Slurm array share the work), ``--merge`` then writes the
data set once every part is done. Output files: docs in
mmaction2_ext/apis/dataset_builder.py and the README, "Train on your own
videos".
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('root', metavar='VIDEO_ROOT',
                        help='class sub-folders, or the root of --list paths')
    parser.add_argument('--out', required=True, metavar='DATA_DIR',
                        help='output folder (not inside VIDEO_ROOT)')
    parser.add_argument('--layout', choices=('ma52', 'coco'), default='ma52',
                        help='joints: ma52 (28, OpenPose-18 + fingertips; '
                        'PCAN and a COCO-17 skeleton pickle) or coco (17; '
                        'skeleton pickle only)')
    parser.add_argument('--list', metavar='CSV',
                        help='clips as "path,label[,split]" rows instead of '
                        'class sub-folders')
    parser.add_argument('--label-map', help='class names, one per line, in '
                        'index order (default: the sorted class names)')
    parser.add_argument('--val-ratio', type=float, default=0.2,
                        help='share of each class held out as val (clips '
                        'without a split in the list)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the train/val draw')
    parser.add_argument('--min-frames', type=int, default=10,
                        help='clips with fewer frames are skipped')
    parser.add_argument('--max-frames', type=int,
                        help='poses of the first N frames only (the clip is '
                        'cut there)')
    parser.add_argument('--img-shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='frame size of pose files without a video')
    parser.add_argument('--workers', type=int, default=1,
                        help='pose extraction processes')
    parts = parser.add_mutually_exclusive_group()
    parts.add_argument('--shard', metavar='K/N',
                       help='process only part K of N (then --merge)')
    parts.add_argument('--merge', action='store_true',
                       help='write the data set from the --shard parts')
    args = parser.parse_args(argv)
    if not 0 <= args.val_ratio < 1:
        parser.exit(1, f'error: --val-ratio {args.val_ratio}: must be in '
                    '[0, 1)\n')
    if args.workers < 1 or args.min_frames < 1 or (
            args.max_frames is not None and args.max_frames < 1):
        parser.exit(1, 'error: --workers, --min-frames and --max-frames '
                    'must be >= 1\n')
    return args


def check_paths(args):
    from mmaction2_ext.apis import UsageError
    if not osp.isdir(args.root):
        raise FileNotFoundError(f'VIDEO_ROOT {args.root} does not exist')
    root, out = osp.realpath(args.root), osp.realpath(args.out)
    if out == root or out.startswith(root + os.sep):
        raise UsageError(f'--out {args.out} is inside VIDEO_ROOT '
                         f'{args.root}: its files would be read as clips; '
                         'write it elsewhere')
    if args.list and not osp.isfile(args.list):
        raise FileNotFoundError(f'--list {args.list} does not exist')


def list_clips(args):
    from mmaction2_ext.datasets.video_sources import (assign_splits,
                                                      from_class_folders,
                                                      from_list,
                                                      read_label_map)
    classes = read_label_map(args.label_map) if args.label_map else None
    if args.list:
        classes, clips = from_list(args.root, args.list, classes)
    else:
        classes, clips = from_class_folders(args.root, classes)
    assign_splits(clips, args.val_ratio, args.seed)
    return classes, clips


def summary(args, stats):
    splits = ', '.join(f'{k} {v}' for k, v in stats['splits'].items())
    print(f'wrote {args.out}: {splits or "no clip"}; '
          f'{len(stats["skipped"])} skipped (skipped.txt)')
    for path, reason in stats['skipped']:
        print(f'  skipped {path}: {reason}')
    print(f'train, e.g.: python tools/train.py configs/custom/'
          f'stgcn_1xb16-u100-80e_custom-coco-2d.py --data-root {args.out} '
          f'--cfg-options model.cls_head.num_classes={stats["classes"]}')


def main(args):
    from mmaction2_ext.apis import dataset_builder as builder
    check_paths(args)
    classes, clips = list_clips(args)
    options = dict(layout=args.layout, min_frames=args.min_frames,
                   max_frames=args.max_frames,
                   img_shape=tuple(args.img_shape) if args.img_shape
                   else None)
    os.makedirs(args.out, exist_ok=True)
    if args.merge:
        builder.check_shards(args.out, clips)
        missing = [c.name for c in clips
                   if builder.cached_result(args.out, c, options) is None]
        if missing:
            raise builder.DataError(
                f'{args.out}: clip {missing[0]!r} has no result for these '
                f'options ({len(missing)} missing): rerun its shard')
    else:
        todo = clips
        if args.shard:
            k, n = builder.parse_shard(args.shard)
            todo = builder.shard_clips(clips, k, n)
        builder.process(args.out, todo, options, args.workers)
        if args.shard:
            path = builder.write_shard_manifest(args.out, k, n, todo)
            print(f'shard {k}/{n} done ({len(todo)} clips, {path}); run '
                  '--merge when every shard is done')
            return
    summary(args, builder.write_dataset(args.out, classes, clips,
                                        args.layout))


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before the heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
