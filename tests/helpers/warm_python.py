"""Run ``python SCRIPT.py ARGS`` for the tests by forking a warm interpreter.

Most of a tool's run in a test is Python starting and importing torch,
mmengine and mmaction (about 4 s of a 5 s ``tools/test.py`` run on a tiny
config). :func:`run` and :class:`Popen` take the same arguments as
``subprocess.run``/``subprocess.Popen`` for such a command, but fork it from
one interpreter per test process that has imported the stack once (started
on first use; see :func:`serve`). The forked script runs as ``__main__``
with its own argv, ``sys.path[0]``, cwd, environment and stdin/stdout/stderr,
and exits with the code Python would give it. Whatever is not a plain
``[sys.executable, 'SCRIPT.py', ...]`` command runs as a real subprocess, and
so does everything when ``MMACTION2_EXT_COLD_TOOLS=1`` (a whole run of the
suite that way checks the warm runs hide nothing).

Tests of how a process starts (imports, ``--help`` speed, torchrun,
environment read at import time) use ``subprocess`` directly.
"""
import atexit
import importlib
import importlib.machinery
import importlib.util
import io
import json
import locale
import os
import os.path as osp
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types

COLD_ENV = 'MMACTION2_EXT_COLD_TOOLS'
#: imported by the warm interpreter before it forks (what every tool loads)
PRELOAD = ('mmaction2_ext', 'mmaction2_ext.apis.launch', 'mmengine.runner',
           'mmaction.models')


# --------------------------------------------------------------- the server
def serve(sock_path):
    """Import :data:`PRELOAD`, then fork a supervisor per connection on
    ``sock_path`` until stdin closes (the test process is gone)."""
    assert importlib.util.find_spec('sitecustomize') is None, \
        'a sitecustomize of the warm interpreter would run again in each run'
    with tempfile.TemporaryFile() as noise:
        # a cold run would show what the imports print: refuse to hide it
        saved = [os.dup(1), os.dup(2)]
        for fd in (1, 2):
            os.dup2(noise.fileno(), fd)
        for name in PRELOAD:
            importlib.import_module(name)
        for fd, copy in zip((1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)
        noise.seek(0)
        printed = noise.read().decode(errors='replace')
    assert not printed, f'importing {PRELOAD} printed:\n{printed}'
    # fork() copies one thread: a Python thread started by an import would
    # be lost. (The native threads here are OpenBLAS pools, which OpenBLAS
    # stops before a fork and starts again in the child.)
    assert threading.active_count() == 1, \
        f'importing {PRELOAD} started Python threads: {threading.enumerate()}'
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors reap nothing
    sys.stdout.write('ready\n')
    sys.stdout.flush()
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1):
            return
        if listener in ready:
            conn, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _supervise(conn)
            conn.close()


def _supervise(conn):
    """Receive one request and its three fds, fork the script, send its pid,
    then its exit code once it ends."""
    try:
        msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        request = json.loads(msg)
        pid = os.fork()
        if pid == 0:
            conn.close()
            _exec_script(request, fds)
        for fd in fds:
            os.close(fd)
        conn.sendall(f'{pid}\n'.encode())
        _, status = os.waitpid(pid, 0)
        conn.sendall(f'{os.waitstatus_to_exitcode(status)}\n'.encode())
    finally:
        os._exit(0)


def _exec_script(request, fds):
    """In the forked child: become ``python SCRIPT ARGS`` and run it."""
    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        if request['new_session']:
            os.setsid()
        os.chdir(request['cwd'])
        os.environ.clear()
        os.environ.update(request['env'])
        script = request['argv'][1]
        sys.argv = request['argv'][1:]
        pythonpath = [p for p in request['env'].get('PYTHONPATH', '').split(
            os.pathsep) if p]
        sys.path[:] = [osp.dirname(osp.realpath(script)), *pythonpath,
                       *(p for p in sys.path[1:] if p not in pythonpath)]
        _site_customize()
        try:
            _run_main(script)
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc.code)
        except BaseException:
            sys.excepthook(*sys.exc_info())
            code = 1
        # as the interpreter ends: join the threads, then the exit functions
        threading._shutdown()
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # a closed stream: nothing left to write
                pass
        os._exit(code)


def _run_main(script):
    """Run ``script`` as ``__main__``, as ``python script`` does (argv[0] as
    given, ``__file__`` absolute)."""
    path = osp.abspath(script)
    main = types.ModuleType('__main__')
    main.__file__ = path
    main.__loader__ = importlib.machinery.SourceFileLoader('__main__', path)
    sys.modules['__main__'] = main
    with open(path, 'rb') as f:
        exec(compile(f.read(), path, 'exec'), main.__dict__)


def _site_customize():
    """Run the ``sitecustomize`` this PYTHONPATH provides, as Python's start
    would (some tests plant one to make a system call fail); it runs after
    the preloaded imports here, so it must patch names, not import-time
    copies of them."""
    spec = importlib.util.find_spec('sitecustomize')
    if spec is not None:
        module = importlib.util.module_from_spec(spec)
        sys.modules['sitecustomize'] = module
        spec.loader.exec_module(module)


def _exit_code(code):
    """What ``sys.exit(code)`` makes the interpreter exit with."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xff
    print(code, file=sys.stderr)
    return 1


# --------------------------------------------------------------- the client
_server = None


def _connect():
    """A connection to this process's warm interpreter (started once)."""
    global _server
    if _server is None or _server[0].poll() is not None:
        sock_path = osp.join(tempfile.mkdtemp(prefix='warm-python-'), 'sock')
        env = dict(os.environ)
        repo_root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(
            __file__))))
        env['PYTHONPATH'] = os.pathsep.join(
            [repo_root, env.get('PYTHONPATH', '')]).rstrip(os.pathsep)
        proc = subprocess.Popen(
            [sys.executable, osp.abspath(__file__), sock_path], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        if proc.stdout.readline() != b'ready\n':
            shutil.rmtree(osp.dirname(sock_path), ignore_errors=True)
            raise RuntimeError('the warm interpreter did not start:\n' +
                               proc.communicate()[1].decode())
        atexit.register(_stop, proc, osp.dirname(sock_path))
        _server = (proc, sock_path)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(_server[1])
    return conn


def _stop(proc, sock_dir):
    proc.stdin.close()  # the server's signal to return
    proc.wait(timeout=60)
    shutil.rmtree(sock_dir, ignore_errors=True)


def _warm(args, kwargs):
    """Whether ``args``/``kwargs`` can run warm."""
    return (os.environ.get(COLD_ENV) != '1' and isinstance(args, list)
            and len(args) >= 2 and args[0] == sys.executable
            and str(args[1]).endswith('.py')
            and set(kwargs) <= {'cwd', 'env', 'stdin', 'stdout', 'stderr',
                                'text', 'universal_newlines',
                                'start_new_session'})


class Popen:
    """``subprocess.Popen`` for a warm script run: ``pid``, ``returncode``,
    ``poll``, ``wait``, ``communicate``, ``send_signal``, ``kill``,
    ``terminate``; ``PIPE`` output is read by ``communicate``."""

    def __new__(cls, args, **kwargs):
        if not _warm(args, kwargs):
            return subprocess.Popen(args, **kwargs)
        return super().__new__(cls)

    def __init__(self, args, cwd=None, env=None, stdin=None, stdout=None,
                 stderr=None, text=False, universal_newlines=False,
                 start_new_session=False):
        self.args = args
        self.returncode = None
        self._text = text or universal_newlines
        self._pipes = {}
        out = self._fd(1, stdout)
        # stderr=STDOUT: the same file as stdout, as subprocess does
        err = os.dup(out) if stderr == subprocess.STDOUT else \
            self._fd(2, stderr)
        fds = [self._fd(0, stdin, os.O_RDONLY), out, err]
        request = dict(argv=[str(a) for a in args],
                       cwd=str(cwd or os.getcwd()),
                       env=dict(os.environ if env is None else env),
                       new_session=start_new_session)
        self._conn = _connect()
        socket.send_fds(self._conn, [json.dumps(request).encode()], fds)
        for fd in fds:
            os.close(fd)
        self._received = b''
        self.pid = int(self._line(None))

    @property
    def stdout(self):
        raise AttributeError("a warm run's output is read by communicate(); "
                             'read it live from a subprocess.Popen')

    stderr = stdout

    def _line(self, timeout):
        """The server's next line (pid, then exit code), or None when none
        came within ``timeout`` seconds (None: wait for it)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b'\n' not in self._received:
            left = None if deadline is None else max(
                0, deadline - time.monotonic())
            if not select.select([self._conn], [], [], left)[0]:
                return None
            chunk = self._conn.recv(64)
            assert chunk, 'the warm interpreter went away'
            self._received += chunk
        line, self._received = self._received.split(b'\n', 1)
        return line

    def _fd(self, target, spec, flags=os.O_WRONLY):
        """A new fd for the child's ``target`` stream as ``spec`` says."""
        if spec is None:
            return os.dup(target)
        if spec == subprocess.DEVNULL:
            return os.open(os.devnull, flags)
        if spec == subprocess.PIPE:
            assert target != 0, 'stdin=PIPE: use subprocess'
            self._pipes[target] = tempfile.TemporaryFile()
            return os.dup(self._pipes[target].fileno())
        return os.dup(spec if isinstance(spec, int) else spec.fileno())

    def poll(self):
        return self._wait(0)

    def wait(self, timeout=None):
        if self._wait(timeout) is None:
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def _wait(self, timeout):
        if self.returncode is None:
            line = self._line(timeout)
            if line is not None:
                self.returncode = int(line)
                self._conn.close()
        return self.returncode

    def communicate(self, input=None, timeout=None):
        assert input is None, 'input=: use subprocess'
        self.wait(timeout)
        return tuple(self._read(target) for target in (1, 2))

    def _read(self, target):
        pipe = self._pipes.pop(target, None)
        if pipe is None:
            return None
        with pipe:
            pipe.seek(0)
            data = pipe.read()
        if not self._text:
            return data
        # decoded as subprocess decodes text=True output (universal newlines)
        return io.TextIOWrapper(io.BytesIO(data),
                                encoding=locale.getpreferredencoding(False)
                                ).read()

    def send_signal(self, sig):
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


def run(args, capture_output=False, timeout=None, check=False, **kwargs):
    """``subprocess.run`` for a warm script run (else a real one)."""
    if not _warm(args, kwargs):
        return subprocess.run(args, capture_output=capture_output,
                              timeout=timeout, check=check, **kwargs)
    if capture_output:
        kwargs.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc = Popen(args, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    result = subprocess.CompletedProcess(args, proc.returncode, out, err)
    if check:
        result.check_returncode()
    return result


if __name__ == '__main__':
    serve(sys.argv[1])
