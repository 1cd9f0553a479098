"""CSV and zip writing shared by the challenge submission writers.

Both write to a temporary file and move it into place, so an existing
submission is never half-overwritten.
"""
import csv
import os.path as osp
import zipfile
from typing import Iterable, Mapping, Optional, Sequence, Union

from ..utils import atomic_write


def write_csv(path: str, rows: Iterable[Sequence], header: Optional[Sequence] = None,
              line_terminator: str = '\n') -> str:
    """Write ``rows`` (and an optional ``header``) as CSV, atomically."""
    with atomic_write(path, 'w', newline='') as f:
        writer = csv.writer(f, lineterminator=line_terminator)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
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
