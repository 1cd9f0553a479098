"""The input report beside a prediction: frames with a person, a clip shorter
than the model's clip length; progress lines while poses are extracted."""
import io
import json

import numpy as np
import pytest

from mmaction2_ext.apis.input_report import (describe_input,
                                             frames_with_person)
from mmaction2_ext.apis.pose_extract import with_progress

from inference_cases import random_checkpoint, run_infer, write_config

STGCN = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'


def test_frames_with_person_counts_any_person_any_joint():
    score = np.zeros((2, 6, 17), np.float32)
    score[0, 0, 3] = 0.9      # person 0 in frame 0 (one joint is enough)
    score[1, 2, :] = 0.5      # only person 1 in frame 2
    score[0, 4, 0] = 1e-3     # a faint joint still counts
    kp = np.ones((2, 6, 17, 2), np.float32)  # points everywhere: scores decide
    assert frames_with_person(dict(keypoint=kp, keypoint_score=score)) == 3


def test_frames_with_person_without_scores_uses_the_points():
    kp = np.zeros((1, 5, 17, 3), np.float32)
    kp[0, 1, 2] = (10, 0, 0)  # x alone is a point
    kp[0, 3, 5] = (0, 0, -2)  # a 3-D point below the origin too
    kp[0, 4, 0] = np.nan      # a missing joint is no person
    assert frames_with_person(dict(keypoint=kp)) == 2


@pytest.mark.parametrize('frames,clip,warned', [(3, 32, True),
                                                (31, 32, True),
                                                (32, 32, False),
                                                (40, None, False)])
def test_short_clip_warning_at_the_clip_length(frames, clip, warned):
    kp = np.ones((1, frames, 17, 2), np.float32)
    report = describe_input(dict(keypoint=kp), clip)
    assert report['input_frames'] == frames
    assert report['frames_with_person'] == frames
    assert any('fewer than the model\'s clip length' in w
               for w in report['warnings']) == warned


def test_no_person_at_all_is_warned():
    report = describe_input(dict(keypoint=np.zeros((1, 40, 17, 2))), 32)
    assert report['frames_with_person'] == 0
    assert report['warnings'] == [
        'no frame has a person: the prediction says nothing']


def test_progress_lines_and_the_frames_unchanged():
    out = io.StringIO()
    frames = [np.full((2, 2, 3), i, np.uint8) for i in range(5)]
    got = list(with_progress(iter(frames), 5, 'pose extraction', every=0,
                             out=out))
    assert all(a is b for a, b in zip(got, frames)) and len(got) == 5
    lines = out.getvalue().splitlines()
    assert [line.split(',')[0] for line in lines[:5]] == [
        f'pose extraction: {i}/5 frames' for i in range(1, 6)]
    assert 'ETA' in lines[0] and 'ETA' not in lines[4]
    assert lines[-1].startswith('pose extraction: 5 frames in ')


def test_cli_reports_frames_and_warns_on_a_short_clip(repo_root, tmp_path):
    config = write_config(repo_root, STGCN, tmp_path)
    ckpt = random_checkpoint(config, str(tmp_path / 'r.pth'))
    kp = np.random.default_rng(0).uniform(10, 200, (1, 3, 17, 3))
    kp[..., 2] = 0.8
    kp[0, 1, :, 2] = 0  # the middle frame has no person
    np.save(tmp_path / 'short.npy', kp.astype(np.float32))
    out = tmp_path / 'r.json'
    proc = run_infer(repo_root, config, ckpt, str(tmp_path / 'short.npy'),
                     '--out-json', str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert (results['input_frames'], results['frames_with_person']) == (3, 2)
    assert len(results['warnings']) == 1
    assert 'input: ' in proc.stdout and '(3 frames, 2 with a person)' in \
        proc.stdout
    assert 'warning: the input has 3 frames, fewer than the model\'s clip ' \
        'length (32)' in proc.stderr
