"""tools/analysis/video_frame.py: one frame of a video as a PNG (the
docs' overlay picture), and one error line for a frame past the end."""
import os
import sys

import cv2
import numpy as np
from helpers import warm_python


def _video(path, frames=6):
    """Frame t: a flat grey of level 40 * t, 64 x 48."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (64, 48))
    for t in range(frames):
        writer.write(np.full((48, 64, 3), 40 * t, np.uint8))
    writer.release()
    return path


def _run(repo_root, *args):
    env = dict(os.environ)
    env.pop('MMACTION2_EXT_DEBUG', None)
    return warm_python.run([sys.executable, 'tools/analysis/video_frame.py',
                           *map(str, args)], cwd=repo_root, env=env,
                           capture_output=True, text=True, timeout=300)


def test_writes_the_asked_frame(repo_root, tmp_path):
    video, out = _video(tmp_path / 'v.mp4'), tmp_path / 'f.png'
    proc = _run(repo_root, video, out, '--frame', 3)
    assert proc.returncode == 0, proc.stderr[-2000:]
    img = cv2.imread(str(out))
    assert img.shape == (48, 64, 3)
    assert abs(float(img.mean()) - 120) < 6  # frame 3, not 2 or 4


def test_frame_past_the_end_is_one_line(repo_root, tmp_path, reliability):
    video, out = _video(tmp_path / 'v.mp4'), tmp_path / 'f.png'
    proc = _run(repo_root, video, out, '--frame', 6)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr[-2000:]
    assert lines[0].startswith('error: ') and 'no frame 6' in lines[0] \
        and 'has 6' in lines[0]
    assert not out.exists()
    reliability.record('tools', 'video_frame.py --frame past the end',
                       lines[0])
