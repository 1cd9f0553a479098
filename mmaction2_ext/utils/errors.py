"""One error type for bad user input, with a message that names the culprit."""
from typing import Optional


class DataError(ValueError):
    """Bad input data: the message names the file, the sample and the field."""


class MissingFileError(DataError, FileNotFoundError):
    """An input file that is absent: ``<what> <path> does not exist``, the
    one wording of every missing file (as ``run_cli`` prints it)."""


class MissingKeyError(DataError, KeyError):
    """A key the data must have is absent: a :class:`DataError` that code
    catching stock's ``KeyError`` still catches."""
    __str__ = ValueError.__str__  # the message, not KeyError's repr of it


def missing_file(what: str, path: str, hint: str = '') -> MissingFileError:
    """``<what> <path> does not exist[ (hint)]``."""
    return MissingFileError(f'{what} {path} does not exist' +
                            (f' ({hint})' if hint else ''))


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
