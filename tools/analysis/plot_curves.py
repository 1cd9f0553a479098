"""Plot loss and metric curves of one or more work dirs to a PNG.

    python tools/analysis/plot_curves.py work_dirs/run_a
    python tools/analysis/plot_curves.py work_dirs/a work_dirs/b \
        --keys loss acc/top1 --labels baseline ours --out compare.png

Reads every ``<work_dir>/<timestamp>/vis_data/scalars.json`` (resumed runs
are joined). Default keys: the training losses and the validation metrics.
The image goes to ``<first work_dir>/curves.png`` unless ``--out`` is given.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmaction2_ext.apis import run_cli  # noqa: E402
from mmaction2_ext.visualization import plot_curves  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('work_dirs', nargs='+', help='training work dirs')
    parser.add_argument('--out', help='image file (default: '
                        '<first work_dir>/curves.png)')
    parser.add_argument('--keys', nargs='+', help='scalars to plot, e.g. '
                        'loss loss_cls acc/top1 lr')
    parser.add_argument('--labels', nargs='+',
                        help='legend names, one per work dir')
    parser.add_argument('--dpi', type=int, default=100)
    return parser.parse_args()


def main():
    args = parse_args()
    out = args.out or osp.join(args.work_dirs[0], 'curves.png')
    curves = plot_curves(args.work_dirs, out, args.keys, args.labels, args.dpi)
    print(f'{len(curves)} curves -> {out}')


if __name__ == '__main__':
    run_cli(main)
