"""Convert the raw iMiGUE (MiGA 2023 track 1) skeleton arrays to PoseDataset pickles.

    python tools/data/imigue/convert.py --raw-dir data/imigue/task1 \
        --out-dir data/imigue --splits train test --val-ratio 0.1

reads {split}_data.npy + {split}_label.pkl for every split and writes
imigue_{split}.pkl (with --val-ratio, train is split into imigue_train.pkl and
imigue_val.pkl, stratified by class and deterministic for a given --seed).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__))))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--raw-dir', default='data/imigue/task1',
                        help='folder with {split}_data.npy, {split}_label.pkl')
    parser.add_argument('--out-dir', default='data/imigue')
    parser.add_argument('--splits', nargs='+', default=['train', 'test'])
    parser.add_argument('--val-ratio', type=float, default=None,
                        help='hold out this share of train as split "val"')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def _progress(split, done, total):
    if done == total or done % max(1, total // 20) == 0:
        print(f'\r{split}: {done}/{total}', end='\n' if done == total else '',
              flush=True)


def main(args):
    from mmaction2_ext.datasets.imigue import convert_imigue
    written = convert_imigue(args.raw_dir, args.out_dir, args.splits,
                             args.val_ratio, args.seed, _progress)
    for split, path in written.items():
        print(f'wrote {path} (split {split!r})')


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
