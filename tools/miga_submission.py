"""Fuse iMiGUE test dumps (joint 0.4 + limb 0.6 by default) into Submission.zip.

    python tools/test.py JOINT_CFG JOINT_CKPT --dump work_dirs/joint.pkl
    python tools/test.py LIMB_CFG LIMB_CKPT --dump work_dirs/limb.pkl
    python tools/miga_submission.py --ids data/imigue/imigue_test.pkl \
        --dumps work_dirs/joint.pkl work_dirs/limb.pkl --weights 0.4 0.6 \
        --out-dir work_dirs/miga_submission
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmaction2_ext.apis import UsageError, run_cli  # noqa: E402
from mmaction2_ext.evaluation.functional import (fuse_scores,  # noqa: E402
                                                 load_dump)
from mmaction2_ext.submission.imigue import (read_test_ids,  # noqa: E402
                                             submission_from_scores)
from mmaction2_ext.utils import data_error  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--ids', required=True,
                        help='test PoseDataset pickle (imigue_test.pkl) or '
                        'a comma-separated id list such as test_id.txt')
    parser.add_argument('--dumps', nargs='+', required=True,
                        help='tools/test.py --dump outputs, one per model')
    parser.add_argument('--weights', nargs='+', type=float, default=None,
                        help='one per dump (default 0.4 0.6 for two dumps)')
    parser.add_argument('--out-dir', default='work_dirs/miga_submission')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    weights = args.weights or ([0.4, 0.6] if len(args.dumps) == 2 else
                               [1.0] * len(args.dumps))
    if len(weights) != len(args.dumps):
        raise UsageError('give one --weights value per --dumps file')
    ids = read_test_ids(args.ids)
    scores = []
    for path in args.dumps:
        scores.append(load_dump(path)[0])
        if len(scores[-1]) != len(ids):
            raise data_error(path, f'{len(scores[-1])} results for '
                             f'{len(ids)} test ids in {args.ids}')
    csv_path, zip_path = submission_from_scores(args.out_dir, ids,
                                                fuse_scores(scores, weights, args.dumps))
    print(f'{len(ids)} predictions, weights {weights}: wrote {csv_path} '
          f'and {zip_path}')


if __name__ == '__main__':
    run_cli(main)
