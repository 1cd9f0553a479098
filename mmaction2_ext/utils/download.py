"""Resumable downloads of hub repositories (huggingface.co or an
``HF_ENDPOINT`` mirror) into the project's ``data/`` and ``checkpoints/``.

huggingface_hub 2.x downloads every file into a fresh, process-unique
temporary file and deletes it when the transfer fails, so an interrupted
multi-GB archive starts again from zero. Here each file goes to a stable
``<file>.incomplete`` that the next run continues with an HTTP Range request.
The transfer itself is the client's ``http_get`` (retries, progress bar), and
listing and metadata go through ``HfApi`` / ``get_hf_file_metadata``, so the
endpoint, token, proxy and offline settings are the client's own.
"""
import contextlib
import hashlib
import json
import os
import os.path as osp
from dataclasses import asdict, dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

from .errors import DownloadError
from .io import atomic_write
from .unzip import extract_zip, is_extracted

STATE_DIR = osp.join('.cache', 'mmaction2_ext')  # inside each local dir
PARTIAL_SUFFIX = '.incomplete'


@dataclass(frozen=True)
class HubSource:
    """A hub repository and where its files go (paths relative to a root)."""
    repo_id: str
    local_dir: str
    repo_types: Tuple[str, ...] = ('dataset', )
    extract_dir: Optional[str] = None  # unzip the ``*.zip`` files here


MA52_SOURCES = {
    'data': HubSource('kunli-cs/MA-52', 'data/ma52',
                      extract_dir='data/ma52/raw_videos'),
    'pose': HubSource('kunli-cs/MA-52_openpose_28kp',
                      'data/ma52/MA-52_openpose_28kp'),
    # The PCAN README links a model repo but downloads it with
    # ``--repo-type dataset``: try both, model first.
    'weights': HubSource('kunli-cs/PCAN_weights', 'checkpoints',
                         repo_types=('model', 'dataset')),
}

#: how to get the weight files the configs load (file name -> what to run)
WEIGHT_FILES = {
    'rgbpose_conv3d_init.pth': (
        'python tools/download.py --what weights (HF kunli-cs/PCAN_weights), '
        'or merge the two MA-52 single-stream models: python '
        'tools/merge_pretrain.py RGB_CKPT POSE_CKPT --out '
        'checkpoints/rgbpose_conv3d_init.pth'),
    'PCAN_checkpoint_7c4fba7c.pth': (
        'python tools/download.py --what weights (HF kunli-cs/PCAN_weights)'),
}


@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: Optional[int]
    sha256: Optional[str] = None  # known for LFS / xet files


@dataclass
class RepoListing:
    repo_id: str
    repo_type: str
    commit: str
    files: List[RemoteFile]


@dataclass
class FetchReport:
    """What :func:`fetch_source` did, file paths relative to the local dir."""
    repo_id: str
    commit: Optional[str]
    local_dir: str
    available: List[str] = field(default_factory=list)
    downloaded: List[str] = field(default_factory=list)
    up_to_date: List[str] = field(default_factory=list)
    extracted: Dict[str, int] = field(default_factory=dict)  # zip -> files


def hub_endpoint(endpoint: Optional[str] = None) -> str:
    from huggingface_hub import constants
    return (endpoint or constants.ENDPOINT).rstrip('/')


def is_offline() -> bool:
    from huggingface_hub import constants
    return constants.is_offline_mode()


@contextlib.contextmanager
def hub_errors(repo_id: str, endpoint: Optional[str]) -> Iterator[None]:
    """Turn the client's network / hub errors into one actionable line."""
    import httpx2
    from huggingface_hub.errors import (GatedRepoError, HfHubHTTPError,
                                        OfflineModeIsEnabled,
                                        RevisionNotFoundError)
    where = hub_endpoint(endpoint)
    try:
        yield
    except OfflineModeIsEnabled as err:
        raise DownloadError(_offline_message(repo_id)) from err
    except (httpx2.ConnectError, httpx2.TimeoutException) as err:
        raise DownloadError(
            f'cannot reach {where} for {repo_id} ({err}); check the network, '
            'or set HF_ENDPOINT to a mirror such as https://hf-mirror.com '
            '(partial files resume on the next run)') from err
    except GatedRepoError as err:
        raise DownloadError(f'{repo_id} is gated on {where}: accept its '
                            'terms there and log in (huggingface-cli login '
                            'or HF_TOKEN)') from err
    except RevisionNotFoundError as err:
        raise DownloadError(f'{repo_id}: revision not found on {where}') \
            from err
    except HfHubHTTPError as err:
        status = err.response.status_code if err.response is not None else '?'
        raise DownloadError(f'{repo_id}: {where} answered HTTP {status} '
                            f'({str(err).splitlines()[0]})') from err


def list_repo(repo_id: str, repo_types: Sequence[str] = ('dataset', ),
              revision: str = 'main', endpoint: Optional[str] = None,
              token=None) -> RepoListing:
    """Commit and files (size, sha256) of ``repo_id`` at ``revision``.

    ``repo_types`` are tried in order; the first that exists wins.
    """
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError
    api = HfApi(endpoint=endpoint, token=token)
    with hub_errors(repo_id, endpoint):
        for repo_type in repo_types:
            try:
                info = api.repo_info(repo_id, repo_type=repo_type,
                                     revision=revision, files_metadata=True)
            except GatedRepoError:
                raise
            except RepositoryNotFoundError:
                continue
            files = [
                RemoteFile(s.rfilename, s.size,
                           s.lfs.sha256 if s.lfs is not None else None)
                for s in info.siblings or []
            ]
            return RepoListing(repo_id, repo_type, info.sha, files)
    raise DownloadError(
        f'{repo_id} not found on {hub_endpoint(endpoint)} as a '
        f"{' or '.join(repo_types)} repository (private or misspelt?)")


def fetch_file(listing: RepoListing, remote: RemoteFile, local_dir: str,
               endpoint: Optional[str] = None, token=None) -> str:
    """Download one file to ``local_dir/remote.path``, resuming a partial one.

    Bytes go to ``<dest>.incomplete``; an existing partial file is continued
    with a Range request. The file is checked against its sha256 (when the
    hub gives one) and only then moved to ``<dest>``.
    """
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers
    dest = osp.join(local_dir, remote.path)
    partial = dest + PARTIAL_SUFFIX
    os.makedirs(osp.dirname(osp.abspath(dest)), exist_ok=True)
    url = hf_hub_url(listing.repo_id, remote.path, repo_type=listing.repo_type,
                     revision=listing.commit, endpoint=endpoint)
    with hub_errors(listing.repo_id, endpoint):
        meta = get_hf_file_metadata(url, token=token, endpoint=endpoint)
        size = meta.size if meta.size is not None else remote.size
        headers = build_hf_headers(token=token)
        if urlparse(meta.location).netloc != urlparse(url).netloc:
            headers.pop('authorization', None)  # signed CDN url: no token
        done = osp.getsize(partial) if osp.isfile(partial) else 0
        if size is not None and done > size:
            os.remove(partial)
            done = 0
        try:
            with open(partial, 'ab') as f:
                http_get(meta.location, f, resume_size=done, headers=headers,
                         expected_size=size, displayed_filename=remote.path)
        except (HfHubHTTPError, OfflineModeIsEnabled):
            raise  # OSError subclasses, worded by hub_errors
        except OSError as err:  # short body, disk full, ...
            got = osp.getsize(partial) if osp.isfile(partial) else 0
            raise DownloadError(
                f'{dest}: download stopped at {got} of '
                f'{size} bytes ({err}); run the same command again to '
                'resume') from err
    if remote.sha256 is not None and sha256sum(partial) != remote.sha256:
        os.remove(partial)
        raise DownloadError(f'{dest}: sha256 differs from the hub\'s '
                            f'{remote.sha256}; the partial file was removed, '
                            'run again to download it afresh')
    os.replace(partial, dest)
    return dest


def fetch_source(source: HubSource, root: str = '.',
                 allow_patterns: Optional[Sequence[str]] = None,
                 revision: str = 'main', endpoint: Optional[str] = None,
                 token=None, local_dir: Optional[str] = None,
                 extract: bool = True,
                 remove_archives: bool = False) -> FetchReport:
    """Fetch the files of ``source`` that match ``allow_patterns`` (globs).

    Complete files are kept, partial ones resumed; ``*.zip`` files are then
    unzipped atomically into ``source.extract_dir`` (skipped when done) and,
    with ``remove_archives``, deleted. Under ``HF_HUB_OFFLINE=1`` only a
    complete earlier download is accepted (and extracted if needed).
    """
    local_dir = osp.join(root, local_dir or source.local_dir)
    manifest_path = _state_path(local_dir, source.repo_id.replace('/', '--')
                                + '.json')
    manifest = _read_json(manifest_path)
    if is_offline():
        listing = _offline_listing(source.repo_id, manifest, local_dir)
    else:
        listing = list_repo(source.repo_id, source.repo_types, revision,
                            endpoint, token)
    wanted = _select(listing.files, allow_patterns)
    report = FetchReport(source.repo_id, listing.commit, local_dir,
                         available=[f.path for f in listing.files])
    same = manifest is not None and manifest['commit'] == listing.commit
    complete = manifest['complete'] if same else {}
    extract_dir = osp.join(root, source.extract_dir) \
        if extract and source.extract_dir else None
    for remote in wanted:
        dest = osp.join(local_dir, remote.path)
        marker = _state_path(local_dir, 'extracted', remote.path + '.json')
        if _is_complete(dest, remote, complete.get(remote.path)) or (
                extract_dir is not None and _is_archive(remote)
                and is_extracted(marker, extract_dir, _fingerprint(remote))):
            report.up_to_date.append(remote.path)
        else:
            fetch_file(listing, remote, local_dir, endpoint, token)
            report.downloaded.append(remote.path)
        complete[remote.path] = asdict(remote)
        _write_json(manifest_path, dict(
            repo_id=listing.repo_id, repo_type=listing.repo_type,
            commit=listing.commit, files=[asdict(f) for f in listing.files],
            complete=complete))
        if extract_dir is None or not _is_archive(remote):
            continue
        if not is_extracted(marker, extract_dir, _fingerprint(remote)):
            print(f'extracting {dest} -> {extract_dir}', flush=True)
            members = extract_zip(dest, extract_dir, marker,
                                  _fingerprint(remote))
            report.extracted[remote.path] = len(members)
        if remove_archives and osp.isfile(dest):
            os.remove(dest)
    return report


def sha256sum(path: str, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def _offline_message(repo_id: str) -> str:
    return (f'offline mode (HF_HUB_OFFLINE=1): cannot fetch {repo_id}; '
            'unset HF_HUB_OFFLINE to download it (or copy the files in)')


def _offline_listing(repo_id: str, manifest: Optional[Dict],
                     local_dir: str) -> RepoListing:
    """The listing of an earlier complete download, for offline runs."""
    if manifest is None:
        raise DownloadError(f'{_offline_message(repo_id)}; no earlier '
                            f'download found in {local_dir}')
    files = [RemoteFile(**entry) for entry in manifest['files']]
    return RepoListing(repo_id, manifest['repo_type'], manifest['commit'],
                       files)


def _select(files: List[RemoteFile], allow_patterns) -> List[RemoteFile]:
    from huggingface_hub.utils import filter_repo_objects
    return list(filter_repo_objects(files, allow_patterns=allow_patterns,
                                    key=lambda f: f.path))


def _is_complete(dest: str, remote: RemoteFile,
                 known: Optional[Dict]) -> bool:
    """``dest`` has the hub's size and, unless a run of ours wrote it from
    this very listing, the hub's sha256."""
    if not osp.isfile(dest):
        return False
    if remote.size is not None and osp.getsize(dest) != remote.size:
        return False
    if known == asdict(remote) or remote.sha256 is None:
        return True
    return sha256sum(dest) == remote.sha256


def _is_archive(remote: RemoteFile) -> bool:
    return remote.path.lower().endswith('.zip')


def _fingerprint(remote: RemoteFile) -> Dict:
    return dict(size=remote.size, sha256=remote.sha256)


def _state_path(local_dir: str, *parts: str) -> str:
    return osp.join(local_dir, STATE_DIR, *parts)


def _read_json(path: str) -> Optional[Dict]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def _write_json(path: str, obj: Dict) -> None:
    with atomic_write(path, 'w') as f:
        json.dump(obj, f, indent=1)
