"""The warm runs the tool tests use (tests/helpers/warm_python.py) give what a
real ``python SCRIPT.py`` gives: same exit code, stdout and stderr."""
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from helpers import warm_python

SCRIPT = '''
import atexit, os, sys, threading, time
case = sys.argv[1]
print('argv', sys.argv, 'name', __name__, 'file', __file__)
print('cwd', os.getcwd(), 'path0', sys.path[0], 'env', os.environ.get('PROBE'))
print('stdin', repr(sys.stdin.read()))
print('to stderr', file=sys.stderr)
atexit.register(print, 'atexit ran')
if case == 'thread':
    threading.Thread(target=lambda: (time.sleep(0.2), print('joined'))).start()
if case == 'carriage return':
    sys.stdout.write('10 %\\r20 %\\r\\n')
if case == 'exit 3':
    sys.exit(3)
if case == 'exit 300':
    sys.exit(300)
if case == 'exit message':
    sys.exit('error: a message')
if case == 'exception':
    raise ValueError('boom')
if case == 'sitecustomize':
    print('planted', os.environ.get('PLANTED'))
'''


@pytest.fixture(autouse=True)
def warm(monkeypatch):
    """These tests are of the warm runs, in a cold run of the suite too."""
    monkeypatch.delenv(warm_python.COLD_ENV, raising=False)


@pytest.fixture
def script(tmp_path):
    """The probe, by a relative path through a linked folder (Python puts
    the real folder on sys.path)."""
    path = tmp_path / 'tool' / 'probe.py'
    path.parent.mkdir()
    path.write_text(SCRIPT)
    (tmp_path / 'linked').symlink_to('tool')
    return 'linked/probe.py'


def _both(cmd, **kwargs):
    """(real subprocess, warm run) of the same command."""
    return (subprocess.run(cmd, capture_output=True, text=True, **kwargs),
            warm_python.run(cmd, capture_output=True, text=True, **kwargs))


@pytest.mark.parametrize('case', [
    'plain', 'thread', 'carriage return', 'exit 3', 'exit 300',
    'exit message', 'sitecustomize'])
def test_same_as_a_real_process(case, script, tmp_path):
    env = dict(os.environ, PROBE='probe value')
    if case == 'sitecustomize':
        # as tests that make a system call fail plant one on PYTHONPATH
        site = tmp_path / 'site'
        site.mkdir()
        (site / 'sitecustomize.py').write_text(
            'import os\nos.environ["PLANTED"] = "yes"\n')
        env['PYTHONPATH'] = f'{site}{os.pathsep}{env.get("PYTHONPATH", "")}'
    cold, warm = _both([sys.executable, script, case], cwd=tmp_path, env=env,
                       stdin=subprocess.DEVNULL)
    assert (warm.returncode, warm.stdout, warm.stderr) == \
        (cold.returncode, cold.stdout, cold.stderr)
    assert 'atexit ran' in warm.stdout and 'probe value' in warm.stdout
    expected = {'exit 3': 3, 'exit 300': 300 & 0xff, 'exit message': 1}
    assert warm.returncode == expected.get(case, 0)
    if case == 'sitecustomize':
        assert 'planted yes' in warm.stdout


def test_stderr_to_stdout(script, tmp_path):
    """``stderr=STDOUT``: one stream, in the order the script wrote."""
    cold, warm = (run([sys.executable, script, 'exit message'], cwd=tmp_path,
                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                      stderr=subprocess.STDOUT, text=True)
                  for run in (subprocess.run, warm_python.run))
    assert (warm.returncode, warm.stdout, warm.stderr) == \
        (cold.returncode, cold.stdout, cold.stderr)
    assert 'to stderr' in warm.stdout and 'argv' in warm.stdout
    assert warm.stderr is None


def test_an_uncaught_exception_is_a_traceback_and_exit_1(script, tmp_path):
    cold, warm = _both([sys.executable, script, 'exception'], cwd=tmp_path,
                       stdin=subprocess.DEVNULL)
    assert warm.returncode == cold.returncode == 1
    assert warm.stdout == cold.stdout
    # the frames differ (runpy's are shown); the report's ends do not
    for proc in (warm, cold):
        lines = proc.stderr.splitlines()
        assert lines[0] == 'to stderr'
        assert lines[1] == 'Traceback (most recent call last):'
        assert lines[-1] == 'ValueError: boom'


def test_a_real_tool_error_is_the_same(repo_root, tool_env):
    cold, warm = _both(
        [sys.executable, 'tools/test.py',
         'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py',
         'no_such_checkpoint.pth'], cwd=repo_root, env=tool_env)
    assert warm.returncode == cold.returncode == 1
    assert (warm.stdout, warm.stderr) == (cold.stdout, cold.stderr)
    assert warm.stderr.startswith('error: ')


def test_kill_and_timeout(tmp_path):
    sleeper = tmp_path / 'sleep.py'
    sleeper.write_text('import time\nprint("started", flush=True)\n'
                       'time.sleep(60)\n')
    proc = warm_python.Popen([sys.executable, str(sleeper)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert isinstance(proc, warm_python.Popen) and proc.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=0.2)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    with pytest.raises(ProcessLookupError):
        os.kill(proc.pid, 0)
    with pytest.raises(subprocess.TimeoutExpired):
        warm_python.run([sys.executable, str(sleeper)], timeout=0.5)


def test_cold_switch_and_other_commands_run_as_real_processes(monkeypatch,
                                                               script,
                                                               tmp_path):
    other = warm_python.Popen([sys.executable, '-c', 'pass'])
    assert isinstance(other, subprocess.Popen) and other.wait(timeout=60) == 0
    monkeypatch.setenv(warm_python.COLD_ENV, '1')
    proc = warm_python.Popen([sys.executable, script, 'plain'], cwd=tmp_path,
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL)
    assert isinstance(proc, subprocess.Popen)
    assert proc.wait(timeout=60) == 0


def test_live_output_needs_a_real_process(script, tmp_path):
    proc = warm_python.Popen([sys.executable, script, 'plain'], cwd=tmp_path,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    with pytest.raises(AttributeError, match='read it live'):
        proc.stdout.readline()
    assert proc.wait(timeout=60) == 0


def test_the_warm_interpreter_refuses_to_hide_import_output(tmp_path):
    """Imports that print (a cold run would show it) stop the server."""
    noisy = tmp_path / 'noisy_module.py'
    noisy.write_text('print("noise at import")\n')
    code = textwrap.dedent(f'''
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        sys.path.insert(0, {os.path.dirname(warm_python.__file__)!r})
        import warm_python
        warm_python.PRELOAD = ('noisy_module', )
        warm_python.serve({str(tmp_path / 'sock')!r})
    ''')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 1
    assert 'printed:\nnoise at import' in proc.stderr
