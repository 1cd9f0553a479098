"""Convert official HAAN weights to an mmaction2_ext checkpoint.

    python tools/data/haan/convert_official.py output/FineGym/pre-trained \
        checkpoints/haan_finegym_official.pth --dataset FineGym
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__))))))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('model_dir', help='folder with encoder.pkl and '
                        'fine_level_classifier.pkl (+ optional heads)')
    parser.add_argument('out_file', help='output checkpoint (.pth)')
    parser.add_argument('--dataset', choices=['FineGym', 'FineAction'])
    return parser.parse_args()


def main(args):
    from mmaction2_ext.models.localizers.haan_checkpoint import \
        convert_official_haan
    meta = convert_official_haan(args.model_dir, args.out_file, args.dataset)
    print(f"wrote {args.out_file}: modules {', '.join(meta['modules'])}, "
          f"feature_size {meta['feature_size']}, encoded "
          f"{meta['encoded_feature_size']}, {meta['num_fine_classes']} classes")


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
