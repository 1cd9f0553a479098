"""CSV and zip writing shared by the challenge submission writers.

All write to a temporary file and move it into place, so an existing
submission is never half-overwritten, nor a CSV left beside an older zip.
"""
import csv
import io
import os.path as osp
import zipfile
from typing import Iterable, Mapping, Optional, Sequence, Union

from ..utils import atomic_write


def csv_bytes(rows: Iterable[Sequence], header: Optional[Sequence] = None,
              line_terminator: str = '\n') -> bytes:
    """``rows`` (after an optional ``header``) as UTF-8 CSV."""
    buffer = io.StringIO(newline='')
    writer = csv.writer(buffer, lineterminator=line_terminator)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def write_csv(path: str, rows: Iterable[Sequence], header: Optional[Sequence] = None,
              line_terminator: str = '\n') -> str:
    """Write ``rows`` (and an optional ``header``) as CSV, atomically."""
    with atomic_write(path, 'wb') as f:
        f.write(csv_bytes(rows, header, line_terminator))
    return path


def write_zip(path: str, members: Mapping[str, Union[str, bytes]],
              compression: int = zipfile.ZIP_STORED) -> str:
    """Zip ``{name_in_archive: file path or bytes}`` into ``path``, atomically.

    Members sit at the archive root under the given names.
    """
    with atomic_write(path, 'wb') as f:
        with zipfile.ZipFile(f, 'w', compression=compression) as archive:
            for name, content in members.items():
                if isinstance(content, bytes):
                    archive.writestr(name, content)
                else:
                    archive.write(content, arcname=name or osp.basename(content))
    return path


def write_csv_and_zip(csv_path: str, zip_path: str, member: str,
                      content: bytes) -> None:
    """A submission CSV and the zip holding it as ``member``: both files are
    replaced, or (on any failure while writing) neither."""
    with atomic_write(csv_path, 'wb') as f:
        f.write(content)
        write_zip(zip_path, {member: content})
