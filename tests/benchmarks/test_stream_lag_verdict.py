"""benchmarks/stream_lag.py's verdict: on time with no drop keeps up; on
time with drops says so; a lag above the limit falls behind; the larger
main-thread share is named as the limit."""
import pytest


@pytest.fixture
def bench(import_benchmark):
    return import_benchmark('stream_lag')


def _row(lag_max, dropped, pose_ms=20., model_ms=10.):
    return dict(fps=30., predictions=[{}], lag_max=lag_max, dropped=dropped,
                pose_ms=pose_ms, model_ms=model_ms)


def test_verdicts(bench):
    limit = bench.WINDOW / 30. + bench.MAX_DELAY
    assert bench.verdict(_row(limit, 0)) == \
        f'keeps up (lag limit {limit:.2f} s)'
    dropping = bench.verdict(_row(limit, 3, pose_ms=40.))
    assert dropping.startswith(f'labels on time (lag limit {limit:.2f} s), '
                               'frames dropped: main thread busy 1.22x')
    assert dropping.endswith('pose limits it')
    late = bench.verdict(_row(limit + 0.01, 0, pose_ms=1., model_ms=900.))
    assert late.startswith(f'falls behind (lag limit {limit:.2f} s)')
    assert late.endswith('model limits it')
    assert bench.verdict(dict(_row(0, 0), predictions=[])).startswith(
        'no label')
