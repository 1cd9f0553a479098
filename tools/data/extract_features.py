"""I3D clip features of raw videos for HAAN, in its layout.

    python tools/data/extract_features.py VIDEO_ROOT --out FEAT_DIR \
        [--segments segments.csv --label-map labels.txt] [--checkpoint CKPT]

Writes ``FEAT_DIR/features/<video>.npy`` ((T, 2048) float32, one row per
16-frame clip of the video resampled to 24 fps: HAAN's FineGym features) and
``FEAT_DIR/sec2clip_ratios.json`` (clips per second, per video; what
``tools/infer.py`` reads). Each video's file is written atomically; a rerun
skips videos already done. With ``--segments`` (CSV ``video,start,end,label
[,split]``: seconds, a class name of ``--label-map``) it also writes HAAN's
annotation files (``video_names/labels/segments/sec2clip_ratios.npy``;
train videos first) for ``configs/haan`` with ``features=FEAT_DIR/features``.
The model is configs/haan/i3d_r50_8xb8-32x2x1-100e_kinetics400-rgb-feature.py
(mmaction2's I3D, its released Kinetics-400 weights by default).
"""
import argparse
import csv
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

CONFIG = 'configs/haan/i3d_r50_8xb8-32x2x1-100e_kinetics400-rgb-feature.py'
VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.mov', '.webm')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('root', metavar='VIDEO_ROOT', help='video folder')
    parser.add_argument('--out', required=True, metavar='FEAT_DIR')
    parser.add_argument('--config', default=CONFIG, help='feature model')
    parser.add_argument('--checkpoint', help="weights (default: the "
                        "config's load_from; 'none': random init)")
    parser.add_argument('--segments', help='CSV video,start,end,label'
                        '[,split] -> HAAN annotation files')
    parser.add_argument('--label-map', help='class names, one per line '
                        '(with --segments)')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    if bool(args.segments) != bool(args.label_map):
        parser.exit(1, 'error: --segments and --label-map go together\n')
    return args


def read_segments(path, classes):
    """[(video, start, end, class id, split)] of a segment CSV."""
    from mmaction2_ext.utils import DataError
    index = {name: i for i, name in enumerate(classes)}
    rows = []
    with open(path, newline='') as f:
        for line_no, row in enumerate(csv.reader(f), 1):
            row = [c.strip() for c in row]
            if not any(row) or row[:2] == ['video', 'start']:
                continue
            try:
                video, start, end, label = row[:4]
                start, end = float(start), float(end)
            except ValueError:
                raise DataError(f'{path}, line {line_no}: expected "video,'
                                f'start,end,label[,split]", got {row}')
            if label not in index:
                raise DataError(f'{path}, line {line_no}: label {label!r} is '
                                'not in the label map')
            if not 0 <= start < end:
                raise DataError(f'{path}, line {line_no}: segment [{start}, '
                                f'{end}] must have 0 <= start < end')
            split = row[4] if len(row) > 4 else 'train'
            rows.append((video, start, end, index[label], split))
    return rows


def main(args):
    import numpy as np
    from mmaction2_ext.apis.clip_features import (RATIO_FILE,
                                                  build_extractor,
                                                  haan_annotations,
                                                  video_features)
    from mmaction2_ext.datasets.video_sources import read_label_map
    from mmaction2_ext.utils import atomic_write
    if not osp.isdir(args.root):
        raise FileNotFoundError(f'VIDEO_ROOT {args.root} does not exist')
    videos = sorted(f for f in os.listdir(args.root)
                    if f.lower().endswith(VIDEO_EXTS))
    rows = None
    if args.segments:
        rows = read_segments(args.segments, read_label_map(args.label_map))
    model, settings = build_extractor(args.config, args.checkpoint,
                                      args.device)
    feat_dir = osp.join(args.out, 'features')
    os.makedirs(feat_dir, exist_ok=True)
    ratio_file = osp.join(args.out, RATIO_FILE)
    ratios = json.load(open(ratio_file)) if osp.isfile(ratio_file) else {}
    for i, name in enumerate(videos, 1):
        stem = osp.splitext(name)[0]
        path = osp.join(feat_dir, stem + '.npy')
        if osp.isfile(path) and stem in ratios:
            continue
        feats, ratios[stem] = video_features(
            model, osp.join(args.root, name), settings)
        with atomic_write(path) as f:
            np.save(f, feats)
        with atomic_write(ratio_file, 'w') as f:
            json.dump(ratios, f, indent=0, sort_keys=True)
        print(f'[{i}/{len(videos)}] {name}: {feats.shape[0]} clips',
              file=sys.stderr, flush=True)
    if rows is not None:
        train = {r[0] for r in rows if r[4] == 'train'}
        names = sorted({r[0] for r in rows}, key=lambda n: (n not in train, n))
        arrays = haan_annotations([r[:4] for r in rows], ratios, names)
        for key, arr in arrays.items():
            with atomic_write(osp.join(args.out, key + '.npy')) as f:
                np.save(f, arr, allow_pickle=True)
        print(f'wrote the HAAN annotations of {len(arrays["video_names"])} '
              f'videos to {args.out} (num_training_videos={len(train)})')
    print(f'features of {len(videos)} videos in {feat_dir}')


if __name__ == '__main__':
    ARGS = parse_args()
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
