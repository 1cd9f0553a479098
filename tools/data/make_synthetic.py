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

from mmaction2_ext.datasets.synthetic import GENERATORS  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    kinds = parser.add_subparsers(dest='kind', required=True)
    modules = {}
    for kind, module_name in GENERATORS.items():
        module = importlib.import_module(module_name)
        sub = kinds.add_parser(kind, help=module.__doc__.split('\n')[0])
        sub.add_argument('--out', default=f'data/synthetic/{kind}',
                         help='output folder')
        sub.add_argument('--seed', type=int, default=0)
        module.add_arguments(sub)
        modules[kind] = module
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    modules[args.kind].generate(args)


if __name__ == '__main__':
    main()
