"""benchmarks/infer_latency.py: the 5-second clip plays the source forward
then backward, and each total adds the shared rows (decode, poses) to its
own PCAN size's rows only."""

import cv2
import numpy as np
import pytest


@pytest.fixture
def bench(import_benchmark):
    return import_benchmark('infer_latency')


def test_five_seconds_ping_pong(bench, tmp_path):
    src, out = str(tmp_path / 'src.mp4'), str(tmp_path / 'out.mp4')
    writer = cv2.VideoWriter(src, cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (64, 48))
    for t in range(8):  # frame t: grey level 25 * t
        writer.write(np.full((48, 64, 3), 25 * t, np.uint8))
    writer.release()
    assert bench.five_seconds(src, out) == 50  # 5 s at 10 fps
    cap = cv2.VideoCapture(out)
    levels = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        levels.append(frame.mean() / 25)
    cap.release()
    forward = list(range(8))
    expected = (forward + forward[::-1]) * 4
    np.testing.assert_allclose(levels, expected[:50], atol=0.3)


def test_totals_add_shared_rows_and_their_own_size(bench):
    stages = ('input checks', 'frame decode', 'heatmaps', 'other transforms',
              'model forward')
    times = {'decode, all frames (cv2)': 1.,
             'pose extraction (MediaPipe Holistic)': 2.,
             'pose extraction, CPU time of all threads (not in the total)': 4.}
    times.update({f'tiny: {s}': .01 for s in stages})
    times.update({f'full: {s}': .1 for s in stages})
    head, lines = bench.table({'clip': (times, 150, (1296, 1080))},
                              ['tiny', 'full'], True, 'cpu')
    assert '150 frames 1080x1296' in head[0]
    assert len(lines) == 3 + 2 * len(stages) + 2
    assert lines[-2] == '| **total, PCAN tiny** | **3050** |'
    assert lines[-1] == '| **total, PCAN full** | **3500** |'
