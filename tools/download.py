"""Fetch MA-52 (RGB videos, 28-keypoint pose) and the PCAN weights from the
Hugging Face hub, as the PCAN README does, with resume and extraction.

    python tools/download.py                          # data, pose and weights
    python tools/download.py --what pose weights
    python tools/download.py --what data --allow-patterns 'val.zip'
    HF_ENDPOINT=https://hf-mirror.com python tools/download.py

Videos land in data/ma52/raw_videos/, pose pickles in
data/ma52/MA-52_openpose_28kp/, weights in checkpoints/. Running the command
again resumes partial files and skips finished ones.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

#: the keys of ``mmaction2_ext.utils.download.MA52_SOURCES``
WHAT = ('data', 'pose', 'weights')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--what', nargs='+', choices=WHAT,
                        default=list(WHAT),
                        help='what to fetch (default: all)')
    parser.add_argument('--allow-patterns', nargs='+', metavar='GLOB',
                        help='only files matching these globs, e.g. '
                        "'*.pkl' 'val.zip'")
    parser.add_argument('--root', default='.',
                        help='project root the folders are relative to')
    parser.add_argument('--data-dir', help='override data/ma52')
    parser.add_argument('--pose-dir',
                        help='override data/ma52/MA-52_openpose_28kp')
    parser.add_argument('--weights-dir', help='override checkpoints '
                        '(where the PCAN config loads from)')
    parser.add_argument('--revision', default='main',
                        help='branch, tag or commit')
    parser.add_argument('--endpoint', help='hub url (default: HF_ENDPOINT '
                        'or https://huggingface.co)')
    parser.add_argument('--token', help='hub token (default: HF_TOKEN or '
                        'the saved login)')
    parser.add_argument('--no-extract', action='store_true',
                        help='keep the video zips packed')
    parser.add_argument('--remove-archives', action='store_true',
                        help='delete each zip once it is extracted')
    return parser.parse_args()


def main(args):
    from mmaction2_ext.utils import DownloadError
    from mmaction2_ext.utils.download import (MA52_SOURCES, fetch_source,
                                              hub_endpoint, is_offline)
    where = 'offline' if is_offline() else hub_endpoint(args.endpoint)
    overrides = dict(data=args.data_dir, pose=args.pose_dir,
                     weights=args.weights_dir)
    matched = 0
    for what in args.what:
        source = MA52_SOURCES[what]
        print(f'[{what}] {source.repo_id} ({where})', flush=True)
        report = fetch_source(
            source, root=args.root, allow_patterns=args.allow_patterns,
            revision=args.revision, endpoint=args.endpoint, token=args.token,
            local_dir=overrides[what], extract=not args.no_extract,
            remove_archives=args.remove_archives)
        found = len(report.downloaded) + len(report.up_to_date)
        if found == 0:
            print(f'[{what}] no file matches {args.allow_patterns} among '
                  f'{report.available}', flush=True)
        else:
            print(f'[{what}] {report.local_dir} at {report.commit}: '
                  f'{len(report.downloaded)} downloaded, '
                  f'{len(report.up_to_date)} up to date, '
                  f'{sum(report.extracted.values())} files extracted',
                  flush=True)
        matched += found
    if matched == 0:
        raise DownloadError(f'no file matches --allow-patterns '
                            f'{args.allow_patterns} in {args.what}')


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
