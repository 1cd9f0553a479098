"""tools/download.py against a local fake of the hub's file API (loopback).

The server speaks what huggingface_hub 2.4.0 uses:
``GET /api/{models,datasets}/{repo}/revision/{rev}`` (siblings with size and
LFS sha256) and ``HEAD``/``GET /{datasets/}{repo}/resolve/{rev}/{file}`` with
``X-Repo-Commit``, ``ETag``, ``Content-Length`` and Range support. It never
sends xet headers, so the client cannot switch to xet storage.
"""
import hashlib
import io
import json
import os
import os.path as osp
import random
import re
import subprocess
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import pytest

from mmaction2_ext.utils import DownloadError
from mmaction2_ext.utils.download import MA52_SOURCES, fetch_source
from helpers import warm_python

SHA = 'a1b2c3d4' * 5  # a 40-hex commit id


class FakeHub:
    """Repositories in memory plus a log of every request served."""

    def __init__(self):
        self.repos = {}  # (type, repo_id) -> {path: bytes}
        self.log = []  # dicts: method, path, range, sent
        self.lock = threading.Lock()
        self.stall = {}  # name -> bytes sent before hanging (first GET)
        self.release = threading.Event()

    def add(self, repo_type, repo_id, files):
        self.repos[(repo_type, repo_id)] = dict(files)

    def resolve_gets(self, name):
        return [r for r in self.log
                if r['method'] == 'GET' and r['path'].endswith('/' + name)]


def _handler(hub):

    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'
        timeout = 10

        def log_message(self, *args):
            pass

        def do_GET(self):
            self._serve(body=True)

        def do_HEAD(self):
            self._serve(body=False)

        def _serve(self, body):
            path = unquote(urlsplit(self.path).path)
            entry = dict(method=self.command, path=path,
                         range=self.headers.get('Range'), sent=0)
            with hub.lock:
                hub.log.append(entry)
            api = re.fullmatch(
                r'/api/(models|datasets)/([^/]+/[^/]+)/revision/([^/]+)', path)
            res = re.fullmatch(
                r'/(datasets/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)', path)
            if api:
                kind, repo_id, rev = api.groups()
                files = self._repo(kind[:-1], repo_id, rev)
                if files is not None:
                    self._json(repo_id, files)
            elif res:
                kind, repo_id, rev, name = res.groups()
                files = self._repo('dataset' if kind else 'model', repo_id,
                                   rev)
                if files is None:
                    return
                if name not in files:
                    return self._error(404, 'EntryNotFound')
                stall = hub.stall.pop(name, None) if body else None
                entry['sent'] = self._file(files[name], body, stall)
            else:
                self._error(404, 'RepoNotFound')

        def _repo(self, repo_type, repo_id, rev):
            files = hub.repos.get((repo_type, repo_id))
            if files is None:
                self._error(404, 'RepoNotFound')
            elif rev not in ('main', SHA):
                self._error(404, 'RevisionNotFound')
                files = None
            return files

        def _json(self, repo_id, files):
            siblings = [dict(rfilename=name, size=len(data),
                             blobId=hashlib.sha1(data).hexdigest(),
                             lfs=dict(sha256=hashlib.sha256(data).hexdigest(),
                                      size=len(data), pointerSize=134))
                        for name, data in files.items()]
            payload = json.dumps(dict(id=repo_id, sha=SHA,
                                      siblings=siblings)).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _file(self, data, body, stall=None):
            start, status = 0, 200
            wanted = self.headers.get('Range')
            if wanted:
                start = int(re.fullmatch(r'bytes=(\d+)-', wanted).group(1))
                status = 206
            part = data[start:]
            self.send_response(status)
            self.send_header('X-Repo-Commit', SHA)
            self.send_header('ETag',
                             f'"{hashlib.sha256(data).hexdigest()}"')
            self.send_header('Accept-Ranges', 'bytes')
            self.send_header('Content-Length', str(len(part)))
            if status == 206:
                self.send_header('Content-Range',
                                 f'bytes {start}-{len(data) - 1}/{len(data)}')
            self.end_headers()
            if not body:
                return 0
            if stall is not None:
                # send a part, then hang like a dead link until released
                self.wfile.write(part[:stall])
                self.wfile.flush()
                hub.release.wait(60)
                self.close_connection = True
                return stall
            self.wfile.write(part)
            return len(part)

        def _error(self, status, code):
            payload = json.dumps(dict(error=code)).encode()
            self.send_response(status)
            self.send_header('X-Error-Code', code)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def hub():
    fake = FakeHub()
    server = ThreadingHTTPServer(('127.0.0.1', 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f'http://127.0.0.1:{server.server_address[1]}'
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _blob(n, seed):
    return random.Random(seed).randbytes(n)


@pytest.fixture
def ma52_hub(hub):
    """Tiny stand-ins for the three PCAN repositories, in their layout."""
    videos = {
        'train.zip': {'0001_01_0001.mp4': _blob(3000, 1),
                      '0001_01_0002.mp4': _blob(2000, 2)},
        'val.zip': {'0002_03_0001.mp4': _blob(1500, 3)},
    }
    hub.videos = videos
    hub.add('dataset', 'kunli-cs/MA-52',
            {**{name: _zip(m) for name, m in videos.items()},
             'README.md': b'# MA-52\n'})
    hub.add('dataset', 'kunli-cs/MA-52_openpose_28kp',
            {'MA52_train.pkl': _blob(700, 4), 'MA52_val.pkl': _blob(500, 5)})
    hub.add('model', 'kunli-cs/PCAN_weights',
            {'rgbpose_conv3d_init.pth': _blob(4000, 6),
             'PCAN_checkpoint_7c4fba7c.pth': _blob(5000, 7)})
    return hub


def _hub_env(tool_env, hub, tmp_path, **extra):
    env = {k: v for k, v in tool_env.items()
           if not k.lower().endswith('_proxy') and not k.startswith('HF_')}
    env.update(HF_ENDPOINT=hub.url, HF_HOME=str(tmp_path / 'hf_home'),
               NO_PROXY='127.0.0.1,localhost', HF_HUB_DISABLE_TELEMETRY='1',
               HF_HUB_DISABLE_PROGRESS_BARS='1', **extra)
    return env


def _download(args, env, repo_root):
    return warm_python.run([sys.executable, 'tools/download.py', *args],
                           cwd=repo_root, env=env, text=True,
                           capture_output=True, timeout=120)


def test_full_fetch_extracts_then_skips(ma52_hub, tmp_path, tool_env,
                                        repo_root):
    env = _hub_env(tool_env, ma52_hub, tmp_path)
    root = tmp_path / 'proj'
    proc = _download(['--root', str(root)], env, repo_root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for (repo_type, repo_id), files in ma52_hub.repos.items():
        local = {'kunli-cs/MA-52': 'data/ma52',
                 'kunli-cs/MA-52_openpose_28kp':
                 'data/ma52/MA-52_openpose_28kp',
                 'kunli-cs/PCAN_weights': 'checkpoints'}[repo_id]
        for name, data in files.items():
            assert (root / local / name).read_bytes() == data, name
    raw = root / 'data/ma52/raw_videos'
    expected = {n: d for m in ma52_hub.videos.values() for n, d in m.items()}
    assert sorted(os.listdir(raw)) == sorted(expected)
    for name, data in expected.items():
        assert (raw / name).read_bytes() == data
    leftovers = [p for p in root.rglob('*')
                 if p.name.endswith('.incomplete') or '.extract-' in p.name]
    assert leftovers == []
    # the weights come from the model repo; every file was fetched once
    assert any(r['path'] == '/api/models/kunli-cs/PCAN_weights/revision/main'
               for r in ma52_hub.log)
    assert len(ma52_hub.resolve_gets('train.zip')) == 1
    assert all(r['range'] is None for r in ma52_hub.log)

    ma52_hub.log.clear()
    again = _download(['--root', str(root)], env, repo_root)
    assert again.returncode == 0, again.stderr[-3000:]
    assert [r for r in ma52_hub.log if '/resolve/' in r['path']] == []
    assert '0 downloaded, 3 up to date, 0 files extracted' in again.stdout


def test_resume_completes_partial_file_with_range(ma52_hub, tmp_path):
    data = ma52_hub.repos[('dataset', 'kunli-cs/MA-52')]['train.zip']
    local = tmp_path / 'data/ma52'
    local.mkdir(parents=True)
    cut = len(data) // 3
    (local / 'train.zip.incomplete').write_bytes(data[:cut])

    report = fetch_source(MA52_SOURCES['data'], root=str(tmp_path),
                          allow_patterns=['train.zip'], endpoint=ma52_hub.url)
    assert report.downloaded == ['train.zip']
    assert (local / 'train.zip').read_bytes() == data
    assert not (local / 'train.zip.incomplete').exists()
    gets = ma52_hub.resolve_gets('train.zip')
    assert [(g['range'], g['sent']) for g in gets] == \
        [(f'bytes={cut}-', len(data) - cut)]
    assert report.extracted == {'train.zip': 2}


def test_kill_during_download_then_resume(hub, tmp_path, tool_env,
                                          repo_root):
    """kill -9 mid-transfer keeps the received bytes; the rerun continues."""
    chunk = 10 * 1024 * 1024  # the client writes in 10 MiB chunks
    data = _blob(2 * chunk + 12345, 8)
    hub.add('dataset', 'kunli-cs/MA-52_openpose_28kp', {'MA52_test.pkl': data})
    hub.stall['MA52_test.pkl'] = chunk + chunk // 2
    partial = tmp_path / 'data/ma52/MA-52_openpose_28kp/MA52_test.pkl' \
        '.incomplete'
    proc = warm_python.Popen(
        [sys.executable, 'tools/download.py', '--root', str(tmp_path),
         '--what', 'pose'], cwd=repo_root,
        env=_hub_env(tool_env, hub, tmp_path), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not (partial.is_file() and partial.stat().st_size >= chunk):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        hub.release.set()
    assert partial.stat().st_size == chunk
    assert not (partial.parent / 'MA52_test.pkl').exists()

    hub.log.clear()
    fetch_source(MA52_SOURCES['pose'], root=str(tmp_path), endpoint=hub.url)
    assert (partial.parent / 'MA52_test.pkl').read_bytes() == data
    assert [(g['range'], g['sent']) for g in
            hub.resolve_gets('MA52_test.pkl')] == \
        [(f'bytes={chunk}-', len(data) - chunk)]


def test_corrupt_partial_is_caught_by_checksum(ma52_hub, tmp_path):
    data = ma52_hub.repos[('dataset', 'kunli-cs/MA-52_openpose_28kp')][
        'MA52_val.pkl']
    local = tmp_path / 'data/ma52/MA-52_openpose_28kp'
    local.mkdir(parents=True)
    (local / 'MA52_val.pkl.incomplete').write_bytes(b'\0' * 100)
    with pytest.raises(DownloadError, match='sha256 differs'):
        fetch_source(MA52_SOURCES['pose'], root=str(tmp_path),
                     allow_patterns=['MA52_val.pkl'], endpoint=ma52_hub.url)
    assert not (local / 'MA52_val.pkl.incomplete').exists()
    # the next run starts afresh and succeeds
    fetch_source(MA52_SOURCES['pose'], root=str(tmp_path),
                 allow_patterns=['MA52_val.pkl'], endpoint=ma52_hub.url)
    assert (local / 'MA52_val.pkl').read_bytes() == data


def test_weights_fall_back_to_dataset_repo(hub, tmp_path):
    hub.add('dataset', 'kunli-cs/PCAN_weights', {'a.pth': b'weights'})
    report = fetch_source(MA52_SOURCES['weights'], root=str(tmp_path),
                          endpoint=hub.url)
    assert report.downloaded == ['a.pth']
    assert (tmp_path / 'checkpoints/a.pth').read_bytes() == b'weights'
    apis = [r['path'] for r in hub.log if r['path'].startswith('/api/')]
    assert apis == ['/api/models/kunli-cs/PCAN_weights/revision/main',
                    '/api/datasets/kunli-cs/PCAN_weights/revision/main']


def test_offline_mode_one_clear_line(ma52_hub, tmp_path, tool_env,
                                     repo_root):
    root = tmp_path / 'proj'
    offline = _hub_env(tool_env, ma52_hub, tmp_path, HF_HUB_OFFLINE='1')
    proc = _download(['--root', str(root), '--what', 'pose'], offline,
                     repo_root)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith('error: offline mode (HF_HUB_OFFLINE=1): '
                                'cannot fetch kunli-cs/MA-52_openpose_28kp')
    assert ma52_hub.log == []  # nothing left the machine, not even loopback

    fetch_source(MA52_SOURCES['pose'], root=str(root), endpoint=ma52_hub.url)
    ma52_hub.log.clear()
    proc = _download(['--root', str(root), '--what', 'pose'], offline,
                     repo_root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '0 downloaded, 2 up to date' in proc.stdout
    assert ma52_hub.log == []


def test_unreachable_endpoint_one_clear_line(tmp_path, tool_env, repo_root):
    env = {k: v for k, v in tool_env.items()
           if not k.lower().endswith('_proxy') and not k.startswith('HF_')}
    env.update(HF_HOME=str(tmp_path / 'hf'), NO_PROXY='127.0.0.1')
    # port 9 on loopback: nothing listens there
    proc = _download(['--root', str(tmp_path), '--what', 'pose',
                      '--endpoint', 'http://127.0.0.1:9'], env, repo_root)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, proc.stderr
    assert 'cannot reach http://127.0.0.1:9 for kunli-cs/MA-52_openpose_28kp'\
        in errors[0]


def test_remove_archives_then_rerun_downloads_nothing(ma52_hub, tmp_path):
    report = fetch_source(MA52_SOURCES['data'], root=str(tmp_path),
                          endpoint=ma52_hub.url, remove_archives=True)
    assert sorted(report.downloaded) == ['README.md', 'train.zip', 'val.zip']
    assert report.extracted == {'train.zip': 2, 'val.zip': 1}
    local = tmp_path / 'data/ma52'
    assert not (local / 'train.zip').exists()
    assert (local / 'raw_videos/0002_03_0001.mp4').read_bytes() == \
        ma52_hub.videos['val.zip']['0002_03_0001.mp4']

    ma52_hub.log.clear()
    again = fetch_source(MA52_SOURCES['data'], root=str(tmp_path),
                         endpoint=ma52_hub.url, remove_archives=True)
    assert again.downloaded == [] and again.extracted == {}
    assert [r for r in ma52_hub.log if '/resolve/' in r['path']] == []
    # a deleted video makes its archive come back and be unpacked again
    (local / 'raw_videos/0001_01_0002.mp4').unlink()
    third = fetch_source(MA52_SOURCES['data'], root=str(tmp_path),
                         endpoint=ma52_hub.url)
    assert third.downloaded == ['train.zip']
    assert third.extracted == {'train.zip': 2}


def test_configs_read_where_the_tool_writes(repo_root):
    """Download, then train: the PCAN config's paths are the tool's folders."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(repo_root, 'configs/pcan/pcan_rgbpose_ma52.py'))
    assert osp.dirname(cfg.load_from) == MA52_SOURCES['weights'].local_dir
    dataset = cfg.train_dataloader.dataset
    assert dataset.data_prefix['video'].rstrip('/') == MA52_SOURCES['data'].extract_dir
    assert osp.dirname(dataset.ann_file) == MA52_SOURCES['pose'].local_dir
