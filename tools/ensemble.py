"""Fuse the test dumps of several streams and report accuracy.

    python tools/ensemble.py j.pkl b.pkl k.pkl jm.pkl bm.pkl km.pkl --preset 6
    python tools/ensemble.py a.pkl b.pkl --weights 1 0.5 --out fused.pkl

Dumps come from ``tools/test.py --dump`` (or upstream ``*_pred.pkl``; those
carry no labels, so pass ``--ann-file`` and ``--split``). Presets are the
upstream weights: 2 = j,b [1,1]; 4 = j,b,jm,bm [2,2,1,1];
6 = j,b,k,jm,bm,km [2,2,2,1,1,1] (dumps in that order).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmaction2_ext.apis import check_suffix, run_cli  # noqa: E402
from mmaction2_ext.datasets.pose_pickle import \
    load_pose_annotations  # noqa: E402
from mmaction2_ext.evaluation.functional import (PRESETS,  # noqa: E402
                                                 accuracy_report,
                                                 check_same_labels,
                                                 fuse_scores, load_dump,
                                                 save_dump)
from mmaction2_ext.utils import data_error  # noqa: E402


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dumps', nargs='+', help='test dump pickles')
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--weights', type=float, nargs='+',
                       help='one weight per dump (default: all 1)')
    group.add_argument('--preset', choices=sorted(PRESETS),
                       help='upstream stream weights (dumps in preset order)')
    parser.add_argument('--ann-file', help='PYSKL pickle to take labels from '
                        '(for dumps without gt_label)')
    parser.add_argument('--split', help='split of --ann-file')
    parser.add_argument('--out', help='write the fused dump here')
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    weights = args.weights
    if args.preset:
        streams, weights = PRESETS[args.preset]
        if len(streams) != len(args.dumps):
            parser.error(f'preset {args.preset} fuses {len(streams)} dumps '
                         f'({", ".join(streams)}), got {len(args.dumps)}')
    if weights is not None and len(weights) != len(args.dumps):
        parser.error(f'{len(weights)} weights for {len(args.dumps)} dumps')
    if bool(args.ann_file) != bool(args.split):
        parser.error('--ann-file and --split go together')
    if args.out:
        check_suffix('--out', args.out, ('.pkl', '.pickle'))
    scores, labels = [], []
    for i, path in enumerate(args.dumps, 1):
        s, lab = load_dump(path)
        print(f'[{i}/{len(args.dumps)}] {path}: {s.shape[0]} samples, '
              f'{s.shape[1]} classes', flush=True)
        scores.append(s)
        labels.append(lab)
    fused = fuse_scores(scores, weights, names=args.dumps)
    gt = check_same_labels(labels, args.dumps)
    if args.ann_file:
        gt = [a.get('label') for a in
              load_pose_annotations(args.ann_file, args.split)]
        if len(gt) != len(fused):
            raise data_error(args.ann_file, f'split {args.split!r} has '
                             f'{len(gt)} samples, the dumps {len(fused)}')
    if gt is not None:
        for name, value in accuracy_report(fused, gt).items():
            print(f'{name}: {value:.4f}')
    else:
        print('no labels in the dumps: pass --ann-file/--split for accuracy')
    if args.out:
        save_dump(args.out, fused, gt)
        print(f'wrote {args.out}')


if __name__ == '__main__':
    run_cli(main)
