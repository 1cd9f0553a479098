"""Regenerate docs/reliability.md: run the bad-input tests and tabulate what
the user saw in each case.

    python tools/analysis/reliability_table.py [--out docs/reliability.md] [-- PYTEST_ARGS]
"""
import argparse
import os
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=osp.join(ROOT, 'docs',
                                                  'reliability.md'))
    parser.add_argument('pytest_args', nargs='*',
                        default=['-n', '2', '--dist', 'loadfile', 'tests'],
                        help='what to run (default: the whole suite, two '
                        'worker processes)')
    args = parser.parse_args()
    cmd = [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
           f'--reliability-table={osp.abspath(args.out)}', *args.pytest_args]
    print(' '.join(cmd), flush=True)
    # as `make test`: one torch/OpenMP thread per worker
    env = dict(os.environ, OMP_NUM_THREADS='1')
    sys.exit(subprocess.call(cmd, cwd=ROOT, env=env))


if __name__ == '__main__':
    main()
