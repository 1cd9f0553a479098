"""One error type for bad user input, with a message that names the culprit."""
from typing import Optional


class DataError(ValueError):
    """Bad input data: the message names the file, the sample and the field."""


def data_error(path: str, problem: str, sample: Optional[object] = None,
               field: Optional[str] = None) -> DataError:
    """Build a :class:`DataError` reading ``path [sample S, field F]: problem``."""
    where = [f'sample {sample!r}'] if sample is not None else []
    if field is not None:
        where.append(f'field {field!r}')
    location = f" [{', '.join(where)}]" if where else ''
    return DataError(f'{path}{location}: {problem}')


class DownloadError(RuntimeError):
    """A fetch from the hub or a mirror failed; the message says what to do."""
