"""``make test`` runs the [pose] extra's tests in .venv-pose with
MMACTION2_EXT_NO_SKIP=1: there a skip (no mediapipe, no real clips) would
mean the raw-video chain went untested, so it fails the run instead."""
NO_SKIP_ENV = 'MMACTION2_EXT_NO_SKIP'


def skip_as_failure(report) -> bool:
    """Turn a skipped test report into a failure naming the skip reason
    (xfails stay as they are); True when it did."""
    if not report.skipped or hasattr(report, 'wasxfail'):
        return False
    reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) \
        else str(report.longrepr)
    report.outcome = 'failed'
    report.longrepr = f'skipped, but {NO_SKIP_ENV}=1 forbids skips: {reason}'
    return True
