"""MediaPipe landmarks -> OpenPose-18 / MA-52 28 / COCO-17, and (with the
[pose] extra installed) poses of the real MA-52 and mmaction2 clips."""
import glob
import json
import os
from types import SimpleNamespace

import numpy as np
import pytest

from mmaction2_ext.apis.pose_extract import extract_poses, landmarks_to_layout
from mmaction2_ext.datasets import check_pose_annotation

from inference_cases import random_checkpoint, run_infer, write_config

# MediaPipe pose landmark names (index = position)
MP = ('nose l_eye_inner l_eye l_eye_outer r_eye_inner r_eye r_eye_outer '
      'l_ear r_ear mouth_l mouth_r l_shoulder r_shoulder l_elbow r_elbow '
      'l_wrist r_wrist l_pinky r_pinky l_index r_index l_thumb r_thumb l_hip '
      'r_hip l_knee r_knee l_ankle r_ankle l_heel r_heel l_foot r_foot'
      ).split()
# as documented in docs/inference.md
OPENPOSE18 = ('nose neck r_shoulder r_elbow r_wrist l_shoulder l_elbow '
              'l_wrist r_hip r_knee r_ankle l_hip l_knee l_ankle r_eye l_eye '
              'r_ear l_ear').split()
COCO17 = ('nose l_eye r_eye l_ear r_ear l_shoulder r_shoulder l_elbow '
          'r_elbow l_wrist r_wrist l_hip r_hip l_knee r_knee l_ankle '
          'r_ankle').split()


def _landmarks(n, offset):
    rng = np.random.default_rng(offset)
    return np.c_[rng.uniform(0, 500, (n, 2)), rng.uniform(0.1, 1, n)
                 ].astype(np.float32)


def _expected_body(pose, names):
    rows = []
    for name in names:
        if name == 'neck':
            sh = pose[[MP.index('l_shoulder'), MP.index('r_shoulder')]]
            rows.append([*sh[:, :2].mean(0), sh[:, 2].min()])
        else:
            rows.append(pose[MP.index(name)])
    return np.array(rows, np.float32)


@pytest.mark.parametrize('layout,names', [('openpose', OPENPOSE18),
                                          ('coco', COCO17)])
def test_body_landmarks_land_on_their_names(layout, names):
    pose = _landmarks(33, 0)
    got = landmarks_to_layout(pose, None, None, layout)
    np.testing.assert_allclose(got, _expected_body(pose, names), rtol=1e-6)


def test_ma52_fingertips_from_the_hands():
    pose, left, right = _landmarks(33, 0), _landmarks(21, 1), _landmarks(21,
                                                                         2)
    got = landmarks_to_layout(pose, left, right, 'ma52')
    assert got.shape == (28, 3)
    np.testing.assert_allclose(got[:18], _expected_body(pose, OPENPOSE18))
    tips = [4, 8, 12, 16, 20]  # thumb..little tips of the 21-point hand
    np.testing.assert_array_equal(got[18:23], left[tips])
    np.testing.assert_array_equal(got[23:], right[tips])
    no_hands = landmarks_to_layout(pose, None, right, 'ma52')
    assert not no_hands[18:23].any()


def _clips(upstream_dir):
    return sorted(glob.glob(f'{upstream_dir}/micro-action/ma52_demo/*.mp4')) \
        + [f'{upstream_dir}/mmaction2/demo/{name}'
           for name in ('demo.mp4', 'demo_skeleton.mp4')]


@pytest.fixture(scope='module')
def mediapipe():
    return pytest.importorskip('mediapipe')


def test_real_clips_give_smooth_in_frame_ma52_poses(mediapipe, upstream_dir):
    clips = _clips(upstream_dir)
    assert len(clips) == 8
    for clip in clips:
        anno = extract_poses(clip, 'ma52', max_frames=12)
        height, width = anno['img_shape']
        body = anno['keypoint_score'][0, :, :8]  # head, neck, arms
        # MediaPipe's tracker may need a few frames to find the person
        assert (body.max(-1) > 0.5).mean() >= 0.5, f'{clip}: no person'
        sure = anno['keypoint_score'][0] > 0.5
        xy = anno['keypoint'][0]
        assert ((xy[..., 0] >= 0) & (xy[..., 0] < width) & (xy[..., 1] >= 0)
                & (xy[..., 1] < height))[sure].all(), clip
        both = sure[1:] & sure[:-1]
        step = np.linalg.norm(np.diff(xy, axis=0), axis=-1)[both]
        assert np.median(step) < 0.02 * np.hypot(height, width), clip
        check_pose_annotation(dict(anno, frame_dir='c', label=0), clip, 0,
                              num_keypoints=28, keypoint_dim=2)


def test_video_to_pcan_top5(mediapipe, upstream_dir, repo_root, tmp_path):
    config, ckpt = _pcan(repo_root, tmp_path)
    clip = _clips(upstream_dir)[0]
    proc = run_infer(repo_root, config, ckpt, clip, '--pose', 'mediapipe',
                     '--out-json', str(tmp_path / 'top5.json'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(tmp_path / 'top5.json') as f:
        results = json.load(f)
    assert len(results['predictions']) == 5
    # what the input was like, and progress while MediaPipe ran
    assert results['input_frames'] == 75
    assert 0 < results['frames_with_person'] <= 75
    assert 'pose extraction: 75 frames in ' in proc.stdout
    # MediaPipe's C++ logs (TFLite, absl) are kept off the user's terminal
    assert 'XNNPACK' not in proc.stderr and 'W0000' not in proc.stderr, \
        proc.stderr[-3000:]


def _pcan(repo_root, tmp_path):
    config = write_config(
        repo_root, 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py',
        tmp_path)
    return config, random_checkpoint(config, str(tmp_path / 'p.pth'))


def _one_error_line(repo_root, args):
    proc = run_infer(repo_root, *args)
    lines = [line for line in proc.stderr.splitlines()
             if line.startswith('error') or 'Traceback' in line]
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr[-3000:]
    assert lines[0].startswith('error: ')
    return lines[0]


def test_without_the_extra_is_one_line(repo_root, upstream_dir, tmp_path,
                                       reliability, monkeypatch):
    # a mediapipe that fails to import stands for the missing extra, so the
    # message is checked in .venv-pose too (where the extra is installed)
    stub = tmp_path / 'no_extra'
    stub.mkdir()
    (stub / 'mediapipe.py').write_text('raise ImportError("not installed")\n')
    monkeypatch.setenv('PYTHONPATH', str(stub), prepend=os.pathsep)
    line = _one_error_line(repo_root, [*_pcan(repo_root, tmp_path),
                                       _clips(upstream_dir)[0], '--pose',
                                       'mediapipe'])
    # the way that keeps the core stack: the pose venv, not pip install -e
    assert 'make pose-install' in line and '.venv-pose/bin/python' in line
    assert 'pip install' not in line
    reliability.record('inference', '--pose mediapipe without the [pose] '
                       'extra', line)


def test_video_without_a_person_is_one_line(mediapipe, repo_root, tmp_path,
                                            reliability):
    import cv2
    video = str(tmp_path / 'empty.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 25,
                             (128, 128))
    for i in range(10):
        writer.write(np.full((128, 128, 3), 20 * i, np.uint8))
    writer.release()
    line = _one_error_line(repo_root, [*_pcan(repo_root, tmp_path), video,
                                       '--pose', 'mediapipe'])
    assert 'no person found in any frame' in line
    reliability.record('inference', 'video without a person (--pose '
                       'mediapipe)', line)


def test_stream_a_real_clip_with_mediapipe(mediapipe, repo_root, upstream_dir,
                                           tmp_path):
    """``--stream`` on a real MA-52 clip played at its 30 fps: MediaPipe
    poses frame by frame, PCAN labels on the last 8 frames, every frame of
    the clip read (dropped or labelled), the results in the JSON."""
    clip = _clips(upstream_dir)[0]
    out = tmp_path / 'stream.json'
    proc = run_infer(repo_root, *_pcan(repo_root, tmp_path), clip, '--stream',
                     '--window', '8', '--out-json', str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results['stopped'] == 'end of stream' and results['fps'] == 30.
    assert results['frames'] == 75  # A1's frame count
    assert results['timeline'], 'no label: the window never filled'
    assert results['lag_max'] >= results['lag_median'] >= 0
    assert all(len(w['predictions']) == 5 for w in results['timeline'])


def _result(pose_xy, visibility, left=None):
    """A Holistic result stand-in: normalised landmarks as MediaPipe gives."""
    def landmarks(xy, vis):
        return SimpleNamespace(landmark=[
            SimpleNamespace(x=x, y=y, visibility=v)
            for (x, y), v in zip(xy, vis)])
    return SimpleNamespace(
        pose_landmarks=None if pose_xy is None else landmarks(pose_xy,
                                                              visibility),
        left_hand_landmarks=None if left is None else landmarks(
            left, [0.] * len(left)),
        right_hand_landmarks=None)


def test_landmarks_outside_the_frame_score_zero_on_every_side():
    """Inside is [0, W) x [0, H): a point at 0 is in, one at W or H out,
    on both sides of both axes. Hand points score 1 (no visibility)."""
    from mmaction2_ext.apis.pose_extract import _frame_joints
    width, height = 200, 100
    xy = np.full((33, 2), 0.5)
    cases = {  # MediaPipe landmark -> (x, y) normalised, inside?
        'nose': ((0., 0.), True), 'l_shoulder': ((-0.001, 0.5), False),
        'r_shoulder': ((0.5, -0.001), False), 'l_elbow': ((1., 0.5), False),
        'r_elbow': ((0.5, 1.), False), 'l_wrist': ((0.999, 0.999), True),
        'r_hip': ((1.2, 0.5), False)}
    for name, (point, _) in cases.items():
        xy[MP.index(name)] = point
    hand = np.full((21, 2), 0.25)
    hand[4] = (1.5, 0.25)  # the thumb tip outside
    got = _frame_joints(_result(xy, [0.8] * 33, hand), (height, width),
                        'ma52')
    for name, (point, inside) in cases.items():
        row = got[OPENPOSE18.index(name)]
        np.testing.assert_allclose(row[:2], (point[0] * width,
                                             point[1] * height))
        assert row[2] == (np.float32(0.8) if inside else 0), name
    # the neck: shoulder midpoint, the lower shoulder score (one is out)
    assert got[OPENPOSE18.index('neck'), 2] == 0
    np.testing.assert_array_equal(got[18:23, 2], [0, 1, 1, 1, 1])
    assert not got[23:].any()  # no right hand
    empty = _frame_joints(_result(None, None), (height, width), 'coco')
    assert empty.shape == (17, 3) and not empty.any()
