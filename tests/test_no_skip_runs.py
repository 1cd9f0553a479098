"""MMACTION2_EXT_NO_SKIP=1 (the [pose] step of ``make test``) turns a
skipped test into a failure that names the skip reason; xfails stay."""
import os
import subprocess
import sys

from _pytest.reports import TestReport

from skip_policy import NO_SKIP_ENV, skip_as_failure


def _report(outcome, longrepr=None, **extra):
    report = TestReport('t.py::test_x', ('t.py', 1, 'test_x'), {}, outcome,
                        longrepr, 'call')
    report.__dict__.update(extra)
    return report


def test_a_skip_becomes_a_failure_with_its_reason():
    report = _report('skipped', ('t.py', 3, "Skipped: could not import "
                                 "'mediapipe'"))
    assert skip_as_failure(report)
    assert report.failed
    assert report.longrepr == (f"skipped, but {NO_SKIP_ENV}=1 forbids "
                               "skips: Skipped: could not import 'mediapipe'")


def test_passes_and_xfails_are_left_alone():
    for report in (_report('passed'),
                   _report('skipped', ('t.py', 3, 'x'), wasxfail='known')):
        assert not skip_as_failure(report)
        assert not report.failed


def test_a_run_with_the_variable_fails_on_a_skip(tmp_path, repo_root):
    # the hook itself, in a pytest run of a test that skips
    test = tmp_path / 'test_skips.py'
    test.write_text('import pytest\n\n\ndef test_s():\n'
                    '    pytest.skip("no clip here")\n')
    plugin_dir = f'{repo_root}/tests'
    proc = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'conftest', '-p',
         'no:cacheprovider', '--rootdir', str(tmp_path), str(test)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=plugin_dir, OMP_NUM_THREADS='1',
                 **{NO_SKIP_ENV: '1'}))
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert 'forbids skips: Skipped: no clip here' in proc.stdout
