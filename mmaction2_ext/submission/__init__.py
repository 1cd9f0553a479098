"""Writers for challenge submission files."""
from .archive import write_csv, write_zip

__all__ = ['write_csv', 'write_zip']
