"""OpenPose / mmpose JSON -> MA-52 28 keypoints, OpenPose-18 and COCO-17."""
import json
import pickle
import re

import numpy as np
import pytest

from mmaction2_ext.apis import inference_rgbpose, init_model, top_predictions
from mmaction2_ext.datasets import check_pose_annotation
from mmaction2_ext.datasets.pose_import import load_mmpose, load_openpose
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.utils import DataError

from inference_cases import (random_checkpoint, run_infer, run_tool,
                             write_config)

TOOL = 'tools/data/pose_from_openpose.py'

# the mapping as documented in docs/inference.md, by joint name
OPENPOSE18 = ('nose neck r_shoulder r_elbow r_wrist l_shoulder l_elbow '
              'l_wrist r_hip r_knee r_ankle l_hip l_knee l_ankle r_eye l_eye '
              'r_ear l_ear').split()
BODY25 = OPENPOSE18[:8] + ['mid_hip'] + OPENPOSE18[8:] + [
    'l_big_toe', 'l_small_toe', 'l_heel', 'r_big_toe', 'r_small_toe',
    'r_heel']
COCO17 = ('nose l_eye r_eye l_ear r_ear l_shoulder r_shoulder l_elbow '
          'r_elbow l_wrist r_wrist l_hip r_hip l_knee r_knee l_ankle '
          'r_ankle').split()
TIPS = ('thumb', 'index', 'middle', 'ring', 'little')
MA52 = OPENPOSE18 + [f'l_{t}' for t in TIPS] + [f'r_{t}' for t in TIPS]
HAND_TIP_INDEX = dict(zip(TIPS, (4, 8, 12, 16, 20)))


def _value(name, frame, person):
    """A distinct (x, y, score) per joint name, frame and person."""
    code = sum(ord(c) * (i + 1) for i, c in enumerate(name)) % 997
    return (float(code + 1000 * person), float(frame * 10 + person),
            round(0.2 + (code % 70) / 100, 2))


def _hand(side, frame, person):
    points = np.zeros((21, 3))
    for tip, j in HAND_TIP_INDEX.items():
        points[j] = _value(f'{side}_{tip}', frame, person)
    points[1] = (-1, -1, 0.9)  # a non-tip point that must be dropped
    return points.reshape(-1).tolist()


def _person(body, frame, person, hands=True):
    entry = dict(pose_keypoints_2d=[
        v for name in body for v in _value(name, frame, person)])
    if hands:
        entry['hand_left_keypoints_2d'] = _hand('l', frame, person)
        entry['hand_right_keypoints_2d'] = _hand('r', frame, person)
    return entry


def _write_frames(folder, frames):
    folder.mkdir()
    for t, people in enumerate(frames):
        name = folder / f'clip_{t:012d}_keypoints.json'
        name.write_text(json.dumps(dict(version=1.3, people=people)))
    return str(folder)


def _expected(names, frames, persons):
    return np.array([[[_value(n, t, m) for n in names] for t in range(frames)]
                     for m in range(persons)], np.float32)


@pytest.mark.parametrize('body', ['BODY_25', 'COCO-18'])
@pytest.mark.parametrize('layout,names', [('ma52', MA52), ('coco', COCO17),
                                          ('openpose', OPENPOSE18)])
def test_openpose_joints_land_on_their_names(body, layout, names, tmp_path):
    joints = BODY25 if body == 'BODY_25' else OPENPOSE18
    folder = _write_frames(tmp_path / 'clip', [
        [_person(joints, t, m) for m in range(2)] for t in range(12)])
    anno = load_openpose(folder, layout)
    expected = _expected(names, 12, 2)
    # person 1 has the higher scores? rank as documented: by mean score
    order = np.argsort([-expected[m, 0, :, 2].mean() for m in range(2)],
                       kind='stable')
    np.testing.assert_allclose(anno['keypoint'], expected[order, ..., :2])
    np.testing.assert_allclose(anno['keypoint_score'], expected[order, ...,
                                                                 2])
    assert anno['total_frames'] == 12 and anno['frame_dir'] == 'clip'


def test_ma52_output_passes_the_dataset_checks(tmp_path):
    frames = [[_person(BODY25, t, 0, hands=t % 2 == 0)] for t in range(9)]
    frames[4] = []  # nobody in a frame: zeros
    anno = load_openpose(_write_frames(tmp_path / 'v', frames), 'ma52')
    assert anno['keypoint'].shape == (1, 9, 28, 2)
    assert not anno['keypoint'][0, 4].any()
    assert not anno['keypoint_score'][0, 1, 18:].any()  # no hands found
    check_pose_annotation(dict(anno, label=0), 'v', 0, num_keypoints=28,
                          keypoint_dim=2)


def test_max_persons_keeps_the_best_scored(tmp_path):
    frames = [[_person(OPENPOSE18, t, m) for m in range(3)] for t in range(4)]
    anno = load_openpose(_write_frames(tmp_path / 'v', frames), 'openpose',
                         max_persons=1)
    expected = _expected(OPENPOSE18, 4, 3)
    best = int(np.argmax(expected[:, 0, :, 2].mean(-1)))
    np.testing.assert_allclose(anno['keypoint'][0], expected[best, ..., :2])


@pytest.mark.parametrize('shape', ['inferencer', 'demo', 'image'])
def test_mmpose_predictions_to_coco(shape, tmp_path):
    expected = _expected(COCO17, 3, 1)
    frames = [dict(frame_id=t, instances=[dict(
        keypoints=expected[0, t, :, :2].tolist(),
        keypoint_scores=expected[0, t, :, 2].tolist(), bbox=[[0, 0, 1, 1]])])
        for t in range(3)]
    data = dict(inferencer=frames, image=frames[0]['instances'],
                demo=dict(meta_info={}, instance_info=frames))[shape]
    (tmp_path / 'pred.json').write_text(json.dumps(data))
    anno = load_mmpose(str(tmp_path / 'pred.json'))
    frames_kept = 1 if shape == 'image' else 3
    np.testing.assert_allclose(anno['keypoint'],
                               expected[:, :frames_kept, :, :2])
    np.testing.assert_allclose(anno['keypoint_score'],
                               expected[:, :frames_kept, :, 2])


def _bad_cases(tmp_path):
    """case -> (folder, expected part of the message)."""
    good = [_person(OPENPOSE18, 0, 0)]
    short = dict(pose_keypoints_2d=[1.0] * 30)
    cases = {
        'OpenPose frame that is not json': ([good, 'oops'], 'cannot read '
                                            'the json'),
        'OpenPose body of 10 joints': (
            [good, [short]], "[sample 'person 0', field 'pose_keypoints_2d']:"
            ' 30 values, expected 75 or 54'),
        'OpenPose folder with nobody in it': ([[], []], 'no person found'),
        'OpenPose frame without people': ([good, {'x': 1}], 'field '
                                          "'people']: expected an OpenPose"),
    }
    out = {}
    for i, (case, (frames, match)) in enumerate(cases.items()):
        folder = tmp_path / f'c{i}'
        folder.mkdir()
        for t, people in enumerate(frames):
            text = people if isinstance(people, str) else json.dumps(
                people if isinstance(people, dict) else dict(people=people))
            (folder / f'c_{t:012d}_keypoints.json').write_text(text)
        out[case] = (str(folder), match)
    return out


@pytest.mark.parametrize('case', [
    'OpenPose frame that is not json', 'OpenPose body of 10 joints',
    'OpenPose folder with nobody in it', 'OpenPose frame without people'])
def test_bad_openpose_json_is_one_error_line(case, tmp_path, repo_root,
                                             reliability):
    folder, match = _bad_cases(tmp_path)[case]
    with pytest.raises(DataError, match=re.escape(match)):
        load_openpose(folder)
    proc = run_tool(repo_root, TOOL, folder, '--out',
                    str(tmp_path / 'out.pkl'))
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert lines[0].startswith('error: ') and match in lines[0]
    assert not (tmp_path / 'out.pkl').exists()
    reliability.record('pose import', case, lines[0])


def test_tool_writes_an_ma52_pickle(tmp_path, repo_root):
    folders = [_write_frames(tmp_path / name, [
        [_person(BODY25, t, 0)] for t in range(5)]) for name in ('a', 'b')]
    proc = run_tool(repo_root, TOOL, *folders, '--out',
                    str(tmp_path / 'poses.pkl'), '--img-shape', '720', '1280')
    assert proc.returncode == 0, proc.stderr
    with open(tmp_path / 'poses.pkl', 'rb') as f:
        annos = pickle.load(f)
    assert [a['frame_dir'] for a in annos] == ['a', 'b']
    for i, anno in enumerate(annos):
        assert anno['img_shape'] == (720, 1280)
        check_pose_annotation(anno, 'poses.pkl', i, num_keypoints=28,
                              keypoint_dim=2)
    np.testing.assert_allclose(annos[1]['keypoint'],
                               load_openpose(folders[1])['keypoint'])


@pytest.fixture(scope='module')
def pcan_openpose(tmp_path_factory, repo_root):
    """A tiny PCAN, a synthetic MA-52 video, and OpenPose frames for it."""
    out = tmp_path_factory.mktemp('pcan_openpose')
    config = write_config(
        repo_root, 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py', out)
    make_ma52(str(out / 'ma52'), classes=(0, ), samples_per_class=(1, 1, 1),
              size=64, frames=(40, 40))
    rng = np.random.default_rng(0)
    frames = [[dict(pose_keypoints_2d=np.c_[
        rng.uniform(5, 59, (25, 2)), rng.uniform(.3, 1, 25)].ravel().tolist(),
        hand_left_keypoints_2d=np.c_[rng.uniform(5, 59, (21, 2)),
                                     np.ones(21)].ravel().tolist())]
        for _ in range(40)]
    return dict(config=config, ckpt=random_checkpoint(config, str(
        out / 'p.pth')), video=str(out / 'ma52' / 'raw_videos' /
                                   '0002_01_0000.mp4'),
        folder=_write_frames(out / 'openpose', frames), out=out)


def test_infer_takes_an_openpose_folder(pcan_openpose, repo_root):
    case = pcan_openpose
    model = init_model(case['config'], case['ckpt'])
    # poses in pixels of the video's 64 x 64 frames
    expected = inference_rgbpose(model, case['video'], dict(
        load_openpose(case['folder']), img_shape=(64, 64)))
    got = inference_rgbpose(model, case['video'], case['folder'])
    for key, value in expected.pred_score.items():
        np.testing.assert_array_equal(got.pred_score[key].numpy(),
                                      value.numpy(), err_msg=key)
    out_json = str(case['out'] / 'op.json')
    proc = run_infer(repo_root, case['config'], case['ckpt'], case['video'],
                     '--pose', case['folder'], '--out-json', out_json)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out_json) as f:
        written = json.load(f)
    top = top_predictions(model, expected)['predictions']
    assert [p['index'] for p in written['predictions']] == \
        [p['index'] for p in top]


def test_infer_with_an_empty_openpose_folder_is_one_line(
        pcan_openpose, repo_root, tmp_path, reliability):
    (tmp_path / 'nobody').mkdir()
    proc = run_infer(repo_root, pcan_openpose['config'],
                     pcan_openpose['ckpt'], pcan_openpose['video'], '--pose',
                     str(tmp_path / 'nobody'))
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert lines[0].startswith('error: ') and \
        'no OpenPose .json frame files' in lines[0]
    reliability.record('inference', '--pose: an empty OpenPose folder',
                       lines[0])


def _scored_person(score_per_joint, x):
    """An OpenPose-18 person at ``x`` with the given per-joint scores."""
    return dict(pose_keypoints_2d=[v for s in score_per_joint
                                   for v in (float(x), 5., float(s))])


def test_persons_are_ranked_by_mean_joint_score(tmp_path):
    """Per frame, by mean score: not by list order, the best single joint,
    the lowest score or the frame's first person's rank."""
    # x = 10: one sure joint, mean 0.1; x = 20: mean 0.5; x = 30: mean 0.3
    sharp = _scored_person([0.99] + [0.07] * 17, 10)
    steady = _scored_person([0.5] * 18, 20)
    middle = _scored_person([0.3] * 18, 30)
    frames = [[sharp, steady, middle], [middle, sharp, steady]]
    anno = load_openpose(_write_frames(tmp_path / 'v', frames), 'openpose')
    assert anno['keypoint'][:, :, 0, 0].tolist() == [[20, 20], [30, 30],
                                                     [10, 10]]
    best = load_openpose(str(tmp_path / 'v'), 'openpose', max_persons=1)
    assert best['keypoint'].shape == (1, 2, 18, 2)
    np.testing.assert_array_equal(best['keypoint'][0, :, 0, 0], [20, 20])
    np.testing.assert_allclose(best['keypoint_score'][0], 0.5)


def test_frames_follow_the_last_number_in_the_file_name(tmp_path):
    """Unpadded frame numbers (``..._9`` before ``..._10``), a camera number
    before them that is not the frame."""
    folder = tmp_path / 'cam2'
    folder.mkdir()
    for t in (10, 9, 0, 2, 11, 1):
        (folder / f'cam2_take3_{t}_keypoints.json').write_text(json.dumps(
            dict(people=[_scored_person([0.5] * 18, t)])))
    anno = load_openpose(str(folder), 'openpose')
    assert anno['keypoint'][0, :, 0, 0].tolist() == [0, 1, 2, 9, 10, 11]


def test_hands_land_on_their_side(tmp_path):
    person = _person(OPENPOSE18, 0, 0)
    person['hand_right_keypoints_2d'] = []  # right hand not found
    anno = load_openpose(_write_frames(tmp_path / 'v', [[person]]), 'ma52')
    left = _expected([f'l_{t}' for t in TIPS], 1, 1)[0, 0]
    np.testing.assert_allclose(anno['keypoint'][0, 0, 18:23], left[:, :2])
    assert not anno['keypoint'][0, 0, 23:].any()
    assert not anno['keypoint_score'][0, 0, 23:].any()
