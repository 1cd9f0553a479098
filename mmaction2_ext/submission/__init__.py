"""Writers for challenge submission files."""
from .archive import write_csv, write_zip
from .imigue import read_test_ids, submission_from_scores, write_submission

__all__ = ['write_csv', 'write_zip', 'read_test_ids', 'write_submission',
           'submission_from_scores']
