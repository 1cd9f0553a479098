"""``--help`` and argument errors of every tool answer before the heavy
imports (issue 13): no torch, mmengine or mmaction is imported. A loose
check on the imports, not a timing assertion."""
import glob
import os.path as osp
import runpy
import subprocess
import sys

import pytest

from mmaction2_ext.datasets.pose_import import OPENPOSE_LAYOUTS
from mmaction2_ext.datasets.synthetic import GENERATORS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = sorted(osp.relpath(p, REPO) for pattern in
               ('tools/*.py', 'tools/*/*.py', 'tools/*/*/*.py',
                'eval_ma52/*.py')
               for p in glob.glob(osp.join(REPO, pattern))
               if "if __name__ == '__main__':" in open(p).read())

HEAVY = ('torch', 'mmengine', 'mmaction', 'mmcv')
# runs the tool as __main__, then prints the heavy modules it imported
PROBE = '''
import os, runpy, sys
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
try:
    runpy.run_path(sys.argv[0], run_name='__main__')
finally:
    heavy = sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})
    print('HEAVY:', ' '.join(heavy[:5]), file=sys.stderr)
'''.format(heavy=set(HEAVY))


def _probe(tool, *args):
    return subprocess.run([sys.executable, '-c', PROBE, tool, *args],
                          cwd=REPO, text=True, capture_output=True,
                          timeout=120)


def _heavy(proc):
    return proc.stderr.rsplit('HEAVY:', 1)[-1].strip()


@pytest.mark.parametrize('tool', TOOLS)
def test_help_before_heavy_imports(tool):
    proc = _probe(tool, '--help')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith('usage:')
    assert _heavy(proc) == '', f'{tool} --help imported {_heavy(proc)}'


@pytest.mark.parametrize('tool', TOOLS)
def test_bad_argument_before_heavy_imports(tool):
    proc = _probe(tool, '--no-such-option')
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert 'error:' in proc.stderr
    assert _heavy(proc) == '', f'{tool} usage error imported {_heavy(proc)}'


def test_make_synthetic_lists_every_generator():
    tool = runpy.run_path(osp.join(REPO, 'tools/data/make_synthetic.py'))
    assert sorted(tool['KINDS']) == sorted(GENERATORS)


def test_pose_from_openpose_lists_every_layout():
    tool = runpy.run_path(osp.join(REPO, 'tools/data/pose_from_openpose.py'))
    assert sorted(tool['LAYOUTS']) == sorted(OPENPOSE_LAYOUTS)
