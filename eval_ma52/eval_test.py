"""Build the MA-52 Codabench submission from a test dump (run from the repo root).

    python tools/test.py CONFIG CKPT --dump eval_ma52/result.pkl
    python eval_ma52/eval_test.py            # -> eval_ma52/prediction.csv, submission.zip

Defaults are the authors' paths; submit submission.zip to
https://www.codabench.org/competitions/9066/ . ``--gt LIST`` also scores the
csv against a labelled list (val, or the synthetic set's hidden labels).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmaction2_ext.apis import check_suffix, run_cli  # noqa: E402
from mmaction2_ext.submission.ma52 import (make_submission,  # noqa: E402
                                           score_prediction_csv)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--dump', default='eval_ma52/result.pkl')
    parser.add_argument('--test-list',
                        default='data/ma52/annotations/test_list_videos.txt')
    parser.add_argument('--csv', default='eval_ma52/prediction.csv')
    parser.add_argument('--zip', default='eval_ma52/submission.zip')
    parser.add_argument('--gt', help='labelled list file to score the csv against')
    return parser.parse_args()


def main():
    args = parse_args()
    check_suffix('--dump', args.dump, ('.pkl', '.pickle'))
    check_suffix('--csv', args.csv, ('.csv', ))
    check_suffix('--zip', args.zip, ('.zip', ))
    rows = make_submission(args.dump, args.test_list, args.csv, args.zip)
    print(f'{rows} predictions -> {args.csv}, {args.zip}')
    if args.gt:
        for key, value in score_prediction_csv(args.csv, args.gt).items():
            print(f'{key}: {100 * value:.2f}')


if __name__ == '__main__':
    run_cli(main)
