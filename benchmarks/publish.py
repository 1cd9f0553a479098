"""Copy benchmark tables from benchmarks/results/ into the docs that quote them.

A doc quotes a table between two markers; everything between them is
generated, never typed by hand:

    <!-- bench: pose_pipeline rows="PoseC3D|RGB\\+Pose" -->
    ...
    <!-- /bench -->

``pose_pipeline`` names ``benchmarks/results/pose_pipeline.md``; the optional
``rows`` regex keeps the table rows whose first cell matches (header kept).
The table's footer (load, CPU, threads, repeats) is always copied with it.
Only tables marked as idle runs are published; a LOADED one leaves the
block with its last idle figures, and the run says so.

Republishing prints each speed-up (``N.Nx`` cell) that moved by more than
15 % since the copy it replaces: an idle rerun should reproduce them.

Usage: python benchmarks/publish.py [--check]   (run by benchmarks/run_all.sh)
  --check: change nothing, exit 1 if a block differs from its table.
"""
import argparse
import glob
import os
import os.path as osp
import re
import sys
from typing import Dict, List, Optional, Tuple

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RESULTS = osp.join(ROOT, 'benchmarks', 'results')
DOCS = ('README.md', 'docs/*.md', 'configs/*/README.md')
BLOCK = re.compile(r'(<!-- bench: (?P<name>[\w.-]+)(?: rows="(?P<rows>[^"]*)")?'
                   r' -->\n)(?P<body>.*?)(<!-- /bench -->)', re.S)


class PublishError(Exception):
    pass


def read_table(name: str) -> Tuple[List[str], str]:
    """(lines from the first table row to the last, footer) of
    ``results/<name>.md``; a file may hold several tables with text
    between them."""
    path = osp.join(RESULTS, f'{name}.md')
    if not osp.exists(path):
        raise PublishError(f'no table {path}')
    with open(path) as f:
        lines = f.read().splitlines()
    rows = [i for i, line in enumerate(lines) if line.startswith('|')]
    rest = [line for line in lines[rows[-1] + 1:] if line] if rows else []
    if len(rows) < 3 or not rest:
        raise PublishError(f'{path}: expected a table and a footer line')
    return lines[rows[0]:rows[-1] + 1], rest[-1]


def is_idle(footer: str) -> bool:
    """Only tables that benchmarks/machine.py marked idle are published."""
    return 'Idle run.' in footer and '**LOADED**' not in footer


def _is_data_row(lines: List[str], i: int) -> bool:
    """A table row that is neither a header nor a separator."""
    def separator(line):
        return re.fullmatch(r'\|[-:| ]+\|', line) is not None
    return lines[i].startswith('|') and not separator(lines[i]) and not (
        i + 1 < len(lines) and separator(lines[i + 1]))


def render_block(name: str, rows: Optional[str]) -> str:
    lines, footer = read_table(name)
    if rows:
        keep = [line for i, line in enumerate(lines)
                if not _is_data_row(lines, i)
                or re.search(rows, line.split('|')[1].strip())]
        if len(keep) == len(lines) - sum(
                _is_data_row(lines, i) for i in range(len(lines))):
            raise PublishError(f'rows="{rows}" matches no row of {name}')
        lines = keep
    source = f'benchmarks/results/{name}.md'
    return '\n'.join(lines) + (
        f'\n\n{footer} (From `{source}`, copied by `benchmarks/publish.py`.)'
        '\n')


def _speedups(block: str) -> Dict[str, List[float]]:
    """First cell of each table row -> the numbers of its ``N.Nx`` cells."""
    found = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.split('|')[1:-1]]
        values = [float(c[:-1]) for c in cells[1:]
                  if re.fullmatch(r'\d+(\.\d+)?x', c)]
        if cells and values:
            found[cells[0]] = values
    return found


def moved_speedups(old: str, new: str, tolerance: float = 0.15
                   ) -> List[str]:
    """Rows whose speed-up moved by more than ``tolerance`` since the last
    published run: an idle rerun should reproduce them (README)."""
    before = _speedups(old)
    lines = []
    for row, values in _speedups(new).items():
        for was, now in zip(before.get(row, ()), values):
            if abs(now / was - 1) > tolerance:
                lines.append(f'not reproduced within {tolerance:.0%}: '
                             f'"{row}" {was}x -> {now}x')
    return lines


def publish(path: str, check: bool) -> List[str]:
    """Rewrite the blocks of ``path``; returns one message per problem."""
    with open(path) as f:
        text = f.read()
    problems = []

    def fill(match):
        name, rows = match['name'], match['rows']
        try:
            _, footer = read_table(name)
            new = render_block(name, rows)
        except PublishError as err:
            problems.append(f'{path}: {err}')
            return match[0]
        if not is_idle(footer):
            problems.append(f'{path}: {name} is not an idle run, not '
                            'published')
            return match[0]
        if check and new != match['body']:
            problems.append(f'{path}: block {name} differs from its table')
        if not check:
            for line in moved_speedups(match['body'], new):
                print(f'{osp.relpath(path, ROOT)} {name}: {line}')
        return match[1] + new + match[5]

    new_text = BLOCK.sub(fill, text)
    if new_text != text and not check:
        tmp = f'{path}.tmp'
        with open(tmp, 'w') as f:
            f.write(new_text)
        os.replace(tmp, path)
        print(f'published into {osp.relpath(path, ROOT)}')
    return problems


def doc_files(root: str = ROOT) -> List[str]:
    return sorted(p for pattern in DOCS
                  for p in glob.glob(osp.join(root, pattern)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--check', action='store_true',
                        help='exit 1 if a quoted table is out of date')
    args = parser.parse_args()
    problems = [p for path in doc_files() for p in publish(path, args.check)]
    for problem in problems:
        print(f'error: {problem}', file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
