"""Build the class-vector table (Vectors.npy) for the MiGA embedding loss.

    # from label names + word vectors (reproduces the official Vectors.npy)
    python tools/data/imigue/class_vectors.py glove --labels english_label.txt \
        --word-list wordList.npy --word-vectors wordVector.npy \
        --out data/imigue/Vectors.npy
    # random vectors for synthetic data
    python tools/data/imigue/class_vectors.py random --num-classes 4 \
        --out data/synthetic/skeleton/imigue_class_vectors.npy
"""
import argparse
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__))))))

from mmaction2_ext.apis import run_cli  # noqa: E402
from mmaction2_ext.datasets.class_vectors import (  # noqa: E402
    mean_word_vectors, random_class_vectors, read_label_names)
from mmaction2_ext.utils import atomic_write  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    kinds = parser.add_subparsers(dest='kind', required=True)
    glove = kinds.add_parser('glove', help='mean word vector of each name')
    glove.add_argument('--labels', required=True,
                       help='"<index> <name>" lines, e.g. english_label.txt')
    glove.add_argument('--word-list', required=True, help='(W,) words .npy')
    glove.add_argument('--word-vectors', required=True,
                       help='(W, D) vectors .npy, row i for word i')
    rand = kinds.add_parser('random', help='random vectors (synthetic data)')
    rand.add_argument('--num-classes', type=int, required=True)
    rand.add_argument('--dim', type=int, default=300)
    rand.add_argument('--seed', type=int, default=0)
    for sub in (glove, rand):
        sub.add_argument('--out', required=True, help='output .npy')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.kind == 'glove':
        for path in (args.labels, args.word_list, args.word_vectors):
            if not osp.isfile(path):
                raise FileNotFoundError(f'{path} does not exist')
        table = mean_word_vectors(read_label_names(args.labels),
                                  np.load(args.word_list),
                                  np.load(args.word_vectors),
                                  args.word_vectors)
    else:
        table = random_class_vectors(args.num_classes, args.dim,
                                     seed=args.seed)
    with atomic_write(args.out, 'wb') as f:
        np.save(f, table)
    print(f'wrote {args.out} {table.shape}')


if __name__ == '__main__':
    run_cli(main)
