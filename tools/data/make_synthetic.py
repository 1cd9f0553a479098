"""Generate small synthetic datasets in the official formats.

    python tools/data/make_synthetic.py skeleton --layout ntu --out data/synthetic
    python tools/data/make_synthetic.py --help   # lists every kind
"""
import argparse
import importlib
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

#: the kinds of ``mmaction2_ext.datasets.synthetic.GENERATORS``, listed
#: here so that --help answers before the package (torch) is imported
KINDS = {
    'skeleton': 'PYSKL skeleton pickle (NTU, COCO or iMiGUE layout)',
    'haan': 'HAAN annotation .npy files + I3D-like features',
    'ma52': 'MA-52 mp4 videos + 28-keypoint pose pickles + lists',
}


def parse_kind():
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        epilog='KIND --help lists the options of one kind')
    parser.add_argument('kind', choices=sorted(KINDS), help='; '.join(
        f'{k}: {v}' for k, v in KINDS.items()))
    parser.add_argument('options', nargs=argparse.REMAINDER,
                        help='the options of that kind')
    return parser.parse_args()


def main(args):
    from mmaction2_ext.datasets.synthetic import GENERATORS
    module = importlib.import_module(GENERATORS[args.kind])
    parser = argparse.ArgumentParser(
        prog=f'make_synthetic.py {args.kind}',
        description=module.__doc__.split('\n')[0])
    parser.add_argument('--out', default=f'data/synthetic/{args.kind}',
                        help='output folder')
    parser.add_argument('--seed', type=int, default=0)
    module.add_arguments(parser)
    options = parser.parse_args(args.options)
    os.makedirs(options.out, exist_ok=True)
    module.generate(options)


if __name__ == '__main__':
    main(parse_kind())
