"""tools/data/reencode_videos.py: sizes, frame count and fps kept (checked
with decord, the loaders' reader), resume, and broken inputs. ``--help``
without torch is covered for every tool by test_help_fast.py."""
import os
import os.path as osp
import shutil
import sys
from types import SimpleNamespace

import cv2
import decord
import numpy as np
import pytest
from helpers import warm_python

TOOL = 'tools/data/reencode_videos.py'
CLIP = 'micro-action/ma52_demo/B1_nodding__0019_02_0078.mp4'


@pytest.fixture(scope='module')
def tool(repo_root):
    """The tool's module, imported from tools/data."""
    sys.path.insert(0, osp.join(repo_root, 'tools', 'data'))
    import reencode_videos
    yield reencode_videos
    sys.path.remove(osp.join(repo_root, 'tools', 'data'))


def _args(src, dst, **kw):
    return SimpleNamespace(**dict(dict(
        src_dir=str(src), dst_dir=str(dst), list=None, short_side=384,
        size=None, gop=None, codec='mp4v', workers=1), **kw))


def _write_video(path, frames, fps, wh):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'),
                             fps, wh)
    rng = np.random.default_rng(0)
    for _ in range(frames):
        writer.write(rng.integers(0, 255, (wh[1], wh[0], 3), np.uint8))
    writer.release()


def _all_files(folder):
    return sorted(osp.relpath(osp.join(root, n), folder)
                  for root, _, names in os.walk(folder) for n in names)


def test_target_size_follows_the_short_side_and_never_upscales(tool):
    assert tool.target_size(1080, 1296, 384) == (384, 460)  # MA-52
    assert tool.target_size(1080, 1296, None, 512) == (426, 512)
    assert tool.target_size(340, 256, 384) == (340, 256)  # already small
    assert tool.target_size(101, 75, 384) == (100, 74)  # even, not larger


def test_real_clip_keeps_frames_and_fps(tool, upstream_dir, tmp_path):
    src = tmp_path / 'src' / 'B1'
    src.mkdir(parents=True)
    shutil.copy(osp.join(upstream_dir, CLIP), src / 'clip.mp4')
    assert tool.run(_args(tmp_path / 'src', tmp_path / 'dst')) == 0
    out = decord.VideoReader(str(tmp_path / 'dst' / 'B1' / 'clip.mp4'))
    original = decord.VideoReader(str(src / 'clip.mp4'))
    assert (len(out), out.get_avg_fps()) == (len(original), 30.0) == (50, 30)
    assert out[0].shape == (460, 384, 3)


def test_gop_is_set_or_refused(tool, upstream_dir, tmp_path, reliability):
    """--gop 8 puts a keyframe every 8 frames where OpenCV can (>= 5.1);
    elsewhere it is one error line before anything is written."""
    src = tmp_path / 'src'
    src.mkdir()
    shutil.copy(osp.join(upstream_dir, CLIP), src / 'clip.mp4')
    args = _args(src, tmp_path / 'dst', gop=8)
    if hasattr(cv2, 'VIDEOWRITER_PROP_GOP_SIZE'):
        assert tool.run(args) == 0
        out = decord.VideoReader(str(tmp_path / 'dst' / 'clip.mp4'))
        assert list(out.get_key_indices()[:3]) == [0, 8, 16]
        return
    with pytest.raises(tool.ReencodeError) as err:
        tool.run(args)
    assert 'needs OpenCV >= 5.1' in str(err.value)
    assert not (tmp_path / 'dst').exists()
    reliability.record('tools', 'reencode_videos.py --gop on OpenCV 5.0',
                       f'error: {err.value}')


def test_synthetic_ntsc_rate_and_odd_size_kept(tool, tmp_path):
    (tmp_path / 'src').mkdir()
    _write_video(tmp_path / 'src' / 'a.mp4', 23, 30000 / 1001, (101, 75))
    assert tool.run(_args(tmp_path / 'src', tmp_path / 'dst')) == 0
    out = decord.VideoReader(str(tmp_path / 'dst' / 'a.mp4'))
    assert len(out) == 23
    assert out.get_avg_fps() == pytest.approx(30000 / 1001, rel=1e-4)
    assert out[0].shape == (74, 100, 3)


def test_rerun_skips_finished_outputs(tool, tmp_path, capsys):
    (tmp_path / 'src').mkdir()
    _write_video(tmp_path / 'src' / 'a.mp4', 5, 25, (64, 48))
    _write_video(tmp_path / 'src' / 'b.mp4', 5, 25, (64, 48))
    assert tool.run(_args(tmp_path / 'src', tmp_path / 'dst')) == 0
    (tmp_path / 'dst' / 'b.mp4').unlink()  # as if interrupted before b
    first = os.stat(tmp_path / 'dst' / 'a.mp4').st_mtime_ns
    capsys.readouterr()
    assert tool.run(_args(tmp_path / 'src', tmp_path / 'dst')) == 0
    assert '1 re-encoded, 1 already there' in capsys.readouterr().out
    assert os.stat(tmp_path / 'dst' / 'a.mp4').st_mtime_ns == first
    assert _all_files(tmp_path / 'dst') == ['a.mp4', 'b.mp4']


def test_broken_video_one_error_line_and_no_output(tmp_path, repo_root,
                                                   tool_env, reliability):
    (tmp_path / 'src').mkdir()
    _write_video(tmp_path / 'src' / 'good.mp4', 5, 25, (64, 48))
    data = (tmp_path / 'src' / 'good.mp4').read_bytes()
    (tmp_path / 'src' / 'cut.mp4').write_bytes(data[:len(data) // 2])
    proc = warm_python.run(
        [sys.executable, TOOL, str(tmp_path / 'src'), str(tmp_path / 'dst')],
        cwd=repo_root, env=tool_env, text=True, capture_output=True,
        timeout=120)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith('error: '), proc.stderr
    assert str(tmp_path / 'src' / 'cut.mp4') in lines[0]
    assert _all_files(tmp_path / 'dst') == ['good.mp4']  # no temp, no cut
    reliability.record('reencode', 'truncated input video', lines[0])


def test_failed_check_leaves_nothing(tool, tmp_path, monkeypatch):
    (tmp_path / 'src').mkdir()
    _write_video(tmp_path / 'src' / 'a.mp4', 5, 25, (64, 48))

    def short_by_one(src, tmp, frames, fps):
        assert osp.getsize(tmp) > 0  # the temporary output was written
        raise tool.ReencodeError(f'{src}: re-encoded video has {frames - 1} '
                                 f'frames, the source {frames}')

    monkeypatch.setattr(tool, '_check', short_by_one)
    assert tool.run(_args(tmp_path / 'src', tmp_path / 'dst')) == 1
    assert _all_files(tmp_path / 'dst') == []


@pytest.mark.parametrize('case', ['same folders', 'missing list entry'])
def test_usage_mistakes(case, tool, tmp_path, capsys, reliability):
    (tmp_path / 'src').mkdir()
    _write_video(tmp_path / 'src' / 'a.mp4', 3, 25, (32, 32))
    if case == 'same folders':
        args, expected = _args(tmp_path / 'src', tmp_path / 'src'), \
            'DST_DIR must differ from SRC_DIR'
    else:
        listing = tmp_path / 'list.txt'
        listing.write_text('a.mp4 3\nmissing.mp4 7\n')
        args = _args(tmp_path / 'src', tmp_path / 'dst', list=str(listing))
        expected = f'{listing}, line 2: missing.mp4 is not a file'
    with pytest.raises(SystemExit) as exit_info:
        tool.main(args)
    assert exit_info.value.code == 1
    line = capsys.readouterr().err.strip()
    assert line.startswith('error: ') and expected in line, line
    assert not (tmp_path / 'dst').exists()
    reliability.record('reencode', {'same folders': 'DST_DIR is SRC_DIR',
                                    'missing list entry': '--list names a '
                                    'missing video'}[case], line)


def test_check_refuses_a_real_video_that_differs(tool, tmp_path):
    """The check itself, on a real written file (not a stand-in): another
    frame count or an fps beyond the container's rounding is refused."""
    video = tmp_path / 'out.mp4'
    _write_video(video, 6, 25, (32, 32))
    fps = decord.VideoReader(str(video)).get_avg_fps()
    tool._check('src.mp4', str(video), 6, fps)  # matches
    tool._check('src.mp4', str(video), 6, fps * (1 + 0.9e-4))  # rounding
    for frames, rate, message in [
            (7, fps, 're-encoded video has 6 frames, the source 7'),
            (5, fps, 're-encoded video has 6 frames, the source 5'),
            (6, fps * 1.01, 'fps, the source'),
            (6, fps * 0.99, 'fps, the source')]:
        with pytest.raises(tool.ReencodeError, match=message):
            tool._check('src.mp4', str(video), frames, rate)
    (tmp_path / 'empty.mp4').write_bytes(b'')
    with pytest.raises(tool.ReencodeError, match='cannot be read'):
        tool._check('src.mp4', str(tmp_path / 'empty.mp4'), 6, fps)


@pytest.mark.parametrize('flag', ['--gop', '--workers', '--short-side',
                                  '--size'])
@pytest.mark.parametrize('value', ['0', '-1'])
def test_numbers_below_one_are_refused(tool, flag, value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        tool.parse_args(['src', 'dst', flag, value])
    assert exit_info.value.code == 2
    assert f'{flag} must be >= 1' in capsys.readouterr().err


def test_one_is_accepted(tool):
    args = tool.parse_args(['src', 'dst', '--gop', '1', '--workers', '1',
                            '--size', '1'])
    assert (args.gop, args.workers, args.size) == (1, 1, 1)
