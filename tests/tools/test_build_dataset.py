"""tools/data/build_dataset.py: own videos -> the data set files, bad input
as one line, resumable after kill -9, shards + merge. The MediaPipe cases
run in .venv-pose (``make test``, where a skip fails); they keep to a few
frames per clip (MediaPipe is ~30 ms a frame)."""
import csv
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from mmaction2_ext.utils import safe_load
from helpers import warm_python

TOOL = 'tools/data/build_dataset.py'
MA52_CLIPS = ('A1_shaking_body__0030_01_0002', 'B1_nodding__0019_02_0078',
              'B2_shaking_head__0035_02_0007', 'A3_sitting_straightly__'
              '0020_01_0008')
#: what every output file of a data set is (report.csv's timings aside)
OUTPUTS = ('label_map.txt', 'skipped.txt', 'skeleton_coco.pkl',
           'annotations/train_list_videos.txt',
           'annotations/val_list_videos.txt',
           'MA-52_openpose_28kp/MA52_train.pkl',
           'MA-52_openpose_28kp/MA52_val.pkl')


@pytest.fixture(scope='module')
def mediapipe():
    return pytest.importorskip('mediapipe')


def build(repo_root, tool_env, root, out, *options, wait=True):
    args = [sys.executable, TOOL, str(root), '--out', str(out), *options]
    if not wait:
        return warm_python.Popen(args, cwd=repo_root, env=tool_env,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True,
                                 start_new_session=True)
    return warm_python.run(args, cwd=repo_root, env=tool_env, text=True,
                           capture_output=True, timeout=600)


def write_video(path, frames, size=(64, 64)):
    """A grey mp4 of ``frames`` frames (no person in it)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 25,
                             size)
    for _ in range(frames):
        writer.write(np.full((size[1], size[0], 3), 128, np.uint8))
    writer.release()


def pose_clip(folder, name, frames=12, joints=28, seed=0):
    """A video + ``.npy`` keypoints beside it (no MediaPipe needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_video(folder / f'{name}.mp4', frames)
    rng = np.random.default_rng(seed)
    kp = np.c_[rng.uniform(5, 60, (frames * joints, 2)),
               np.full(frames * joints, 0.8)].reshape(frames, joints, 3)
    np.save(folder / f'{name}.npy', kp.astype(np.float32))


def one_error_line(proc):
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr[-3000:]
    assert lines[0].startswith('error: ') and 'Traceback' not in proc.stderr
    return lines[0]


def outputs(out):
    """{file: content} of a data set; pickles loaded."""
    got = {}
    for name in OUTPUTS:
        path = osp.join(out, name)
        got[name] = safe_load(path) if name.endswith('.pkl') else open(
            path).read()
    with open(osp.join(out, 'report.csv')) as f:
        got['report'] = [{k: v for k, v in row.items() if not k.endswith(
            ('_s', 'seconds'))} for row in csv.DictReader(f)]
    return got


def assert_same(a, b, where=''):
    assert type(a) is type(b), where
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), where
        for k in a:
            assert_same(a[k], b[k], f'{where}.{k}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f'{where}[{i}]')
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
    else:
        assert a == b, where


# --- bad input: one line, nothing written -----------------------------------
def _empty_class(root, tmp_path):
    pose_clip(root / 'wave', 'w0')
    (root / 'clap').mkdir()
    return [], f'error: {root}/clap: empty class folder'


def _same_name(root, tmp_path):
    pose_clip(root / 'wave', 'c0')
    pose_clip(root / 'clap', 'c0')
    return [], "clip name 'c0' is also"


def _label_not_in_map(root, tmp_path):
    pose_clip(root, 'c0')
    pose_clip(root, 'c1')
    (tmp_path / 'list.csv').write_text('c0.mp4,wave\nc1.mp4,jump\n')
    (tmp_path / 'labels.txt').write_text('wave\nclap\n')
    return (['--list', str(tmp_path / 'list.csv'), '--label-map',
             str(tmp_path / 'labels.txt')],
            f"error: {tmp_path}/list.csv, line 2: label 'jump' is not in the "
            'label map')


def _out_inside_input(root, tmp_path):
    pose_clip(root / 'wave', 'w0')
    return ['--out', str(root / 'dataset')], 'is inside VIDEO_ROOT'


BAD = {'empty class folder': _empty_class,
       'the same clip name in two classes': _same_name,
       'list label not in the label map': _label_not_in_map,
       'output dir inside the input dir': _out_inside_input}


@pytest.mark.parametrize('case', list(BAD))
def test_bad_input_is_one_line_and_writes_nothing(case, tmp_path, repo_root,
                                                  tool_env, reliability):
    root = tmp_path / 'videos'
    root.mkdir()
    options, expected = BAD[case](root, tmp_path)
    out = tmp_path / 'out'
    if options[:1] == ['--out']:
        out, options = options[1], options[2:]
    line = one_error_line(build(repo_root, tool_env, root, out, *options))
    assert expected in line, line
    assert not osp.exists(out)
    reliability.record('build_dataset', case, line)


def test_existing_poses_build_every_format_without_mediapipe(
        tmp_path, repo_root, tool_env):
    root = tmp_path / 'videos'
    for i in range(3):
        pose_clip(root / 'wave', f'w{i}', seed=i)
        pose_clip(root / 'clap', f'c{i}', seed=10 + i)
    pose_clip(root / 'clap', 'short', frames=1)
    out = tmp_path / 'out'
    proc = build(repo_root, tool_env, root, out, '--val-ratio', '0.34')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'train 4, val 2; 1 skipped' in proc.stdout
    assert 'too short: 1 frame(s), --min-frames is 10' in proc.stdout
    assert (out / 'label_map.txt').read_text() == 'clap\nwave\n'
    skeleton = safe_load(str(out / 'skeleton_coco.pkl'))
    assert sorted(skeleton['split']) == ['train', 'val']
    val = skeleton['split']['val']
    assert len(val) == 2 and {n[0] for n in val} == {'c', 'w'}  # stratified
    anno = next(a for a in skeleton['annotations'] if a['frame_dir'] == 'w1')
    source = np.load(root / 'wave' / 'w1.npy')
    assert anno['label'] == 1 and anno['keypoint'].shape == (1, 12, 17, 2)
    # COCO-17 joint 5 (left shoulder) is OpenPose-18 joint 5
    np.testing.assert_array_equal(anno['keypoint'][0, :, 5], source[:, 5, :2])
    np.testing.assert_array_equal(anno['keypoint'][0, :, 1], source[:, 15, :2])
    ma52 = safe_load(str(out / 'MA-52_openpose_28kp' / 'MA52_val.pkl'))
    listed = (out / 'annotations' / 'val_list_videos.txt').read_text().split()
    assert listed[::2] == [f'{a["frame_dir"]}.mp4' for a in ma52]
    assert all(a['keypoint'].shape[2] == 28 for a in ma52)
    assert os.path.samefile(out / 'raw_videos' / 'w1.mp4',
                            root / 'wave' / 'w1.mp4')
    skipped = (out / 'skipped.txt').read_text()
    assert skipped == f'{root}/clap/short.mp4\ttoo short: 1 frame(s), ' \
        '--min-frames is 10\n'
    # a rerun reuses every result and writes the same files
    before = outputs(out)
    proc = build(repo_root, tool_env, root, out, '--val-ratio', '0.34')
    assert '7 clip(s) already done, 0 to go' in proc.stderr
    assert_same(before, outputs(out))


def test_shards_merge_to_the_whole_run(tmp_path, repo_root, tool_env):
    root = tmp_path / 'videos'
    for i in range(3):
        pose_clip(root / 'wave', f'w{i}', seed=i)
        pose_clip(root / 'clap', f'c{i}', seed=10 + i)
    whole, parts = tmp_path / 'whole', tmp_path / 'parts'
    assert build(repo_root, tool_env, root, whole).returncode == 0
    assert build(repo_root, tool_env, root, parts, '--shard',
                 '1/2').returncode == 0
    line = one_error_line(build(repo_root, tool_env, root, parts, '--merge'))
    assert line.endswith('shard(s) 2-of-2.txt not done'), line
    assert build(repo_root, tool_env, root, parts, '--shard',
                 '2/2').returncode == 0
    proc = build(repo_root, tool_env, root, parts, '--merge')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_same(outputs(whole), outputs(parts))
    # a clip in two shards' manifests is refused
    with open(parts / 'shards' / '2-of-2.txt', 'a') as f:
        f.write('c0\n')
    line = one_error_line(build(repo_root, tool_env, root, parts, '--merge'))
    assert "clip 'c0' is also in 1-of-2.txt" in line, line


# --- MediaPipe (.venv-pose) ---------------------------------------------------
def test_unreadable_no_person_and_one_frame_videos_are_skipped(
        mediapipe, upstream_dir, tmp_path, repo_root, tool_env, reliability):
    root = tmp_path / 'videos'
    (root / 'a').mkdir(parents=True)
    (root / 'b').mkdir()
    os.symlink(osp.join(upstream_dir, 'micro-action', 'ma52_demo',
                        MA52_CLIPS[0] + '.mp4'), root / 'a' / 'person.mp4')
    (root / 'a' / 'broken.mp4').write_bytes(b'not a video')
    write_video(root / 'b' / 'empty.mp4', 6)
    write_video(root / 'b' / 'one.mp4', 1)
    out = tmp_path / 'out'
    proc = build(repo_root, tool_env, root, out, '--max-frames', '3',
                 '--min-frames', '2', '--val-ratio', '0')
    assert proc.returncode == 0, proc.stderr[-3000:]
    reasons = dict(line.split('\t') for line in
                   (out / 'skipped.txt').read_text().splitlines())
    assert reasons == {
        f'{root}/a/broken.mp4': 'unreadable video (no frame can be decoded)',
        f'{root}/b/empty.mp4': 'no person found in any frame',
        f'{root}/b/one.mp4': 'too short: 1 frame(s), --min-frames is 2'}
    for path, reason in reasons.items():
        assert f'  skipped {path}: {reason}' in proc.stdout
        reliability.record('build_dataset', 'skipped clip',
                           f'skipped {path}: {reason}')
    ma52 = safe_load(str(out / 'MA-52_openpose_28kp' / 'MA52_train.pkl'))
    assert [a['frame_dir'] for a in ma52] == ['person']
    assert ma52[0]['keypoint'].shape == (1, 3, 28, 2)
    assert ma52[0]['img_shape'] == (1296, 1080)
    with open(out / 'report.csv') as f:
        rows = {r['name']: r for r in csv.DictReader(f)}
    assert rows['person']['person_frames'] == '3'
    assert float(rows['person']['pose_s']) > 0


def test_kill_9_then_rerun_equals_a_clean_run(mediapipe, upstream_dir,
                                              tmp_path, repo_root, tool_env):
    root = tmp_path / 'videos'
    for name in MA52_CLIPS:
        folder = root / name[0]  # body (A) and head (B) actions
        folder.mkdir(parents=True, exist_ok=True)
        os.symlink(osp.join(upstream_dir, 'micro-action', 'ma52_demo',
                            name + '.mp4'), folder / (name[4:] + '.mp4'))
    options = ('--max-frames', '4', '--min-frames', '2', '--val-ratio', '0.5')
    killed = tmp_path / 'killed'
    proc = build(repo_root, tool_env, root, killed, *options, wait=False)
    cache = killed / 'cache'
    deadline = time.time() + 300
    while time.time() < deadline and not (
            cache.is_dir() and any(p.suffix == '.pkl'
                                   for p in cache.iterdir())):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    done = [p for p in cache.iterdir() if p.suffix == '.pkl']
    assert 1 <= len(done) < len(MA52_CLIPS), 'not killed mid-run'
    assert not (killed / 'label_map.txt').exists()
    rerun = build(repo_root, tool_env, root, killed, *options)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f'{len(done)} clip(s) already done' in rerun.stderr
    clean = tmp_path / 'clean'
    assert build(repo_root, tool_env, root, clean, *options).returncode == 0
    assert_same(outputs(clean), outputs(killed))
