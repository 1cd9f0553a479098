"""Atomic, restartable extraction of zip archives (the MA-52 video zips)."""
import json
import os
import os.path as osp
import shutil
import tempfile
import zipfile
from typing import Dict, List, Optional

from mmengine.utils import ProgressBar

from .errors import DownloadError
from .io import atomic_write

TMP_PREFIX = '.extract-'


def is_extracted(marker: str, out_dir: str,
                 archive: Optional[Dict] = None) -> bool:
    """True if ``marker`` records a finished extraction whose files all exist.

    ``archive`` (``size``/``sha256`` of the zip) must match the marker when
    given, so a changed upstream archive is unpacked again.
    """
    if not osp.isfile(marker):
        return False
    with open(marker) as f:
        done = json.load(f)
    if archive is not None and any(
            done.get(k) != v for k, v in archive.items()):
        return False
    return all(osp.isfile(osp.join(out_dir, m)) for m in done['members'])


def extract_zip(zip_path: str, out_dir: str, marker: str,
                archive: Optional[Dict] = None,
                progress: bool = True) -> List[str]:
    """Unzip ``zip_path`` into ``out_dir`` without leaving half-written files.

    Members go to a temporary folder inside ``out_dir`` first (same file
    system), then each file is moved into place with ``os.replace``; the
    ``marker`` json (member list plus ``archive`` info) is written last, so an
    interrupted run simply extracts again. Returns the member file names.
    """
    os.makedirs(out_dir, exist_ok=True)
    _remove_stale_tmp(out_dir)
    tmp = tempfile.mkdtemp(prefix=TMP_PREFIX, dir=out_dir)
    try:
        with zipfile.ZipFile(zip_path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            bar = ProgressBar(len(infos)) if progress and infos else None
            for info in infos:
                _check_member(zip_path, info.filename)
                zf.extract(info, tmp)
                if bar is not None:
                    bar.update()
        members = [i.filename for i in infos]
        for name in members:
            dst = osp.join(out_dir, name)
            os.makedirs(osp.dirname(dst), exist_ok=True)
            os.replace(osp.join(tmp, name), dst)
    except zipfile.BadZipFile as err:
        raise DownloadError(f'{zip_path}: not a valid zip archive ({err}); '
                            'delete it and download again') from err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with atomic_write(marker, 'w') as f:
        json.dump(dict(archive or {}, members=members), f)
    return members


def _check_member(zip_path: str, name: str) -> None:
    """Refuse absolute or ``..`` member paths instead of renaming them."""
    parts = name.replace('\\', '/').split('/')
    if name.startswith(('/', '\\')) or '..' in parts or ':' in parts[0]:
        raise DownloadError(f'{zip_path}: member {name!r} would be written '
                            'outside the extraction folder')


def _remove_stale_tmp(out_dir: str) -> None:
    """Drop temporary folders left by a killed extraction."""
    for entry in os.listdir(out_dir):
        if entry.startswith(TMP_PREFIX):
            shutil.rmtree(osp.join(out_dir, entry), ignore_errors=True)
