"""tools/data/check_videos.py finds unreadable videos, missing frames and
another fps or size than the annotation says, on the real upstream clips and
on broken copies; report file, exit status, one error line for bad input."""
import os
import os.path as osp
import pickle
import shutil
import sys

import pytest

from mmaction2_ext.datasets.video_check import video_problems
from helpers import warm_python

TOOL = 'tools/data/check_videos.py'


def _run(repo_root, env, *args):
    return warm_python.run([sys.executable, TOOL, *map(str, args)],
                           cwd=repo_root, env=env, capture_output=True,
                           text=True, timeout=600)


def _report(path):
    with open(path) as f:
        header, *lines = f.read().splitlines()
    return header, dict(line.split('\t') for line in lines)


@pytest.fixture
def videos(tmp_path, upstream_dir):
    """The real test.avi (164 frames, 25 fps, 320x240) and test.mp4 (300
    frames, 30 fps, 340x256), a truncated mp4, a half avi and an empty file."""
    src = osp.join(upstream_dir, 'mmaction2', 'tests', 'data')
    folder = tmp_path / 'videos'
    folder.mkdir()
    for name in ('test.avi', 'test.mp4'):
        shutil.copy(osp.join(src, name), folder / name)
    data = (folder / 'test.mp4').read_bytes()
    (folder / 'truncated.mp4').write_bytes(data[:len(data) // 10])
    data = (folder / 'test.avi').read_bytes()
    (folder / 'half.avi').write_bytes(data[:len(data) // 2])
    (folder / 'empty.mp4').write_bytes(b'')
    return folder


def test_folder_report_names_every_broken_file(videos, tmp_path, repo_root,
                                               tool_env):
    out = tmp_path / 'report.txt'
    proc = _run(repo_root, tool_env, videos, '--workers', 2, '--out', out)
    assert proc.returncode == 1, proc.stderr[-3000:]
    header, bad = _report(out)
    assert header.startswith('# 2 of 5 videos')
    # half.avi is a shorter but whole video: only a list can tell
    assert set(bad) == {'truncated.mp4', 'empty.mp4'}
    assert bad['empty.mp4'] == 'empty file'
    assert bad['truncated.mp4'].startswith('cannot be opened')
    assert '2 of 5 videos have problems' in proc.stdout
    assert proc.stderr == ''  # the decoders' own messages are kept off
    assert 'report: ' + str(out) in proc.stdout


def test_list_frames_fps_and_pose_size(videos, tmp_path, repo_root,
                                       tool_env):
    listing = tmp_path / 'list.txt'
    listing.write_text('test.avi 164 0\ntest.mp4 301 1\nhalf.avi 164 0\n'
                       'missing.mp4 2\n')
    pose = tmp_path / 'pose.pkl'
    with open(pose, 'wb') as f:  # MA-52 style: a list, (H, W) shapes
        pickle.dump([dict(frame_dir='test', total_frames=300,
                          img_shape=(256, 340)),
                     dict(frame_dir='other', total_frames=5,
                          img_shape=(240, 320))], f)
    out = tmp_path / 'report.txt'
    proc = _run(repo_root, tool_env, videos, '--list', listing, '--fps', 25,
                '--out', out)
    assert proc.returncode == 1, proc.stderr[-3000:]
    _, bad = _report(out)
    # test.avi matches its 164 frames at 25 fps; only the others are listed
    assert bad == {
        'test.mp4': '300 decodable frames, the annotation says 301; '
                    '30.000 fps, the annotation says 25',
        'half.avi': '77 decodable frames, the annotation says 164',
        'missing.mp4': 'file not found'}
    # the pickle's frame count and (H, W) shape: right for test.mp4
    proc = _run(repo_root, tool_env, videos, '--pose', pose, '--out', out)
    assert proc.returncode == 1
    _, bad = _report(out)
    assert bad == {'other.mp4': 'file not found'}
    proc = _run(repo_root, tool_env, videos, '--pose', pose, '--size', 320,
                240, '--out', out)
    _, bad = _report(out)
    assert bad['test.mp4'] == 'size 340x256, the annotation says 320x240'


def test_real_clips_pass(upstream_dir, tmp_path, repo_root, tool_env):
    clips = osp.join(upstream_dir, 'micro-action', 'ma52_demo')
    out = tmp_path / 'sub' / 'report.txt'
    proc = _run(repo_root, tool_env, clips, '--workers', 2, '--out', out)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    header, bad = _report(out)
    assert header.startswith('# 0 of 6 videos') and not bad


def test_in_process_check(videos):
    assert video_problems(str(videos / 'test.avi'),
                          dict(frames=164, fps=25.0, size=(320, 240))) == []
    assert video_problems(str(videos / 'test.avi'), dict(frames=165)) == [
        '164 decodable frames, the annotation says 165']


def _one_error(proc):
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr[-3000:]
    assert lines[0].startswith('error: ')
    return lines[0]


@pytest.mark.parametrize('case', ['missing folder', 'missing list',
                                  'malformed list line', '--workers 0'])
def test_bad_input_is_one_error_line(case, videos, tmp_path, repo_root,
                                     tool_env, reliability):
    out = tmp_path / 'report.txt'
    if case == 'missing folder':
        args, expected = [tmp_path / 'none'], 'VIDEO_DIR <tmp>/none does ' \
            'not exist'
    elif case == 'missing list':
        args, expected = [videos, '--list', tmp_path / 'none.txt'], \
            '--list <tmp>/none.txt does not exist'
    elif case == 'malformed list line':
        (tmp_path / 'l.txt').write_text('test.avi 164 0\ntest.mp4 x\n')
        args, expected = [videos, '--list', tmp_path / 'l.txt'], \
            '<tmp>/l.txt: line 2: expected "<video> <label>" or "<video> ' \
            '<frames> <label>"'
    else:
        args, expected = [videos, '--workers', 0], '--workers must be >= 1'
    line = _one_error(_run(repo_root, tool_env, *args, '--out', out))
    assert expected in line.replace(str(tmp_path), '<tmp>'), line
    assert not out.exists()
    reliability.record('CLI', f'check_videos.py: {case}', line)
