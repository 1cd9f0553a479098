"""Confusion-matrix PNG(s) from a test dump.

    python tools/test.py CONFIG CKPT --dump result.pkl
    python tools/analysis/confusion_matrix.py work_dirs/run/result.pkl \
        --label-file data/ma52/label_name.txt --ma52

The image goes next to the dump (``result_confusion_matrix.png``) unless
``--out`` is given. ``--ma52`` names the classes with the MA-52 actions (unless
``--label-file``) and also draws the 7-class body-part matrix
(``<out>_body.png`` unless ``--body-out`` is given). Rows are normalised
(per-class recall) unless ``--counts``. Only the classes that occur as ground
truth or prediction are drawn unless ``--all-classes``; the most frequent
confusions are printed as a table.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('dump', help='result.pkl from tools/test.py --dump')
    parser.add_argument('--out', help='image file (default: next to the '
                        'dump, <dump>_confusion_matrix.png)')
    parser.add_argument('--label-file', help='class names: one per line, '
                        'or "index<TAB>name" (MA-52 label_name.txt)')
    parser.add_argument('--ma52', action='store_true',
                        help='also the MA-52 body-part (7 class) matrix')
    parser.add_argument('--body-out', help='body matrix image '
                        '(default: <out>_body.png)')
    parser.add_argument('--counts', action='store_true',
                        help='colour by raw counts, not per-row fractions')
    parser.add_argument('--all-classes', action='store_true',
                        help='draw every class, also those that neither '
                        'occur nor are predicted')
    parser.add_argument('--top', type=int, default=10, metavar='K',
                        help='print the K most frequent confusions '
                        '(default: 10; 0: none)')
    parser.add_argument('--dpi', type=int, default=100)
    args = parser.parse_args()
    if args.top < 0:
        parser.error(f'--top {args.top}: must be 0 or more')
    return args


def main(args):
    from mmaction2_ext.visualization import (plot_confusion_matrices,
                                             top_confusions)
    out = args.out or \
        f'{osp.splitext(args.dump)[0]}_confusion_matrix.png'
    outs = dict(action=out)
    if args.ma52:
        stem, ext = osp.splitext(out)
        outs['body'] = args.body_out or f'{stem}_body{ext or ".png"}'
    matrices = plot_confusion_matrices(args.dump, outs, args.label_file,
                                       args.ma52, not args.counts, args.dpi,
                                       present_only=not args.all_classes)
    for name, out in outs.items():
        counts = matrices[name]['counts']
        print(f'{name}: {int(counts.trace())}/{int(counts.sum())} correct '
              f'-> {out}')
        confusions = top_confusions(counts, matrices[name]['names'],
                                    args.top)
        if confusions:
            print(f'  most frequent {name} confusions (count: ground truth '
                  '-> predicted):')
            for n, truth, predicted in confusions:
                print(f'  {n:5d}: {truth} -> {predicted}')


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
