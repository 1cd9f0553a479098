"""tools/infer.py: the top-k table and json of a recognizer, HAAN detections
json and timeline, and one clear line for each kind of bad input."""
import json
import pickle

import decord
import numpy as np
import pytest

from mmaction2_ext.apis import (inference_features, inference_skeleton,
                                init_model, named_detections, top_predictions)
from mmaction2_ext.datasets.class_vectors import random_class_vectors
from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from mmaction2_ext.utils.io import plain_file_mode

from inference_cases import random_checkpoint, run_infer, write_config

STGCN = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'
HAAN = 'configs/haan/haan_1xb4-10e_synthetic-feat.py'
PCAN = 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py'


@pytest.fixture(scope='module')
def setup(tmp_path_factory, repo_root):
    out = tmp_path_factory.mktemp('cli')
    data = write_skeleton_pickle(str(out / 'coco.pkl'), 'coco', num_classes=4,
                                 samples_per_class=(1, 1), seed=3)
    (out / 'stgcn').mkdir()
    stgcn = write_config(repo_root, STGCN, out / 'stgcn', dict(ann_file=data))
    info = make_haan_dataset(str(out / 'haan_data'), num_train=4, num_test=2,
                             seed=2)
    (out / 'haan').mkdir()
    haan = write_config(repo_root, HAAN, out / 'haan',
                        **{'model.fine_to_coarse': info['fine_to_coarse']})
    features = str(out / 'video.npy')
    np.save(features, np.load(info['features'], allow_pickle=True)[0])
    return dict(
        out=out, data=data, features=features,
        stgcn=(stgcn, random_checkpoint(stgcn, str(out / 'stgcn.pth'))),
        haan=(haan, random_checkpoint(haan, str(out / 'haan.pth'))))


def _cli_matches_api(repo_root, config_ckpt, data, out_json):
    """``tools/infer.py --sample`` prints and writes the API's top-3."""
    with open(data, 'rb') as f:
        sample = pickle.load(f)['annotations'][0]['frame_dir']
    proc = run_infer(repo_root, *config_ckpt, data, '--sample', sample,
                     '--topk', '3', '--out-json', out_json)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out_json) as f:
        written = json.load(f)
    model = init_model(*config_ckpt)
    expected = top_predictions(
        model, inference_skeleton(model, data, sample), k=3)
    assert written['input'] == data
    assert [p['index'] for p in written['predictions']] == \
        [p['index'] for p in expected['predictions']]
    assert [p['score'] for p in written['predictions']] == pytest.approx(
        [p['score'] for p in expected['predictions']], rel=1e-5)
    for p in written['predictions']:
        assert f'{p["score"]:8.4f}  {p["label"]}' in proc.stdout


def test_recognizer_table_and_json(setup, repo_root):
    _cli_matches_api(repo_root, setup['stgcn'], setup['data'],
                     str(setup['out'] / 'stgcn.json'))


# the other skeleton methods: GCN (ProtoGCN), heatmaps + embedding head (MiGA)
OTHER_SKELETON = {
    'protogcn': ('configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d.py',
                 'ntu'),
    'miga': ('configs/miga/'
             'slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint.py',
             'imigue')}


@pytest.mark.parametrize('method', sorted(OTHER_SKELETON))
def test_other_skeleton_methods_table_and_json(method, tmp_path, repo_root):
    config, layout = OTHER_SKELETON[method]
    data = write_skeleton_pickle(str(tmp_path / 'data.pkl'), layout,
                                 num_classes=4, samples_per_class=(1, 1),
                                 seed=3)
    options = {}
    if method == 'miga':  # its head reads the class vectors when built
        options['model.cls_head.class_vectors'] = str(
            tmp_path / 'vectors.npy')
        np.save(options['model.cls_head.class_vectors'],
                random_class_vectors(4))
    config = write_config(repo_root, config, tmp_path, dict(ann_file=data),
                          **options)
    ckpt = random_checkpoint(config, str(tmp_path / 'random.pth'))
    _cli_matches_api(repo_root, (config, ckpt), data,
                     str(tmp_path / 'top3.json'))


def test_haan_json_and_timeline(setup, repo_root):
    out_json = str(setup['out'] / 'haan.json')
    png = str(setup['out'] / 'timeline.png')
    proc = run_infer(repo_root, *setup['haan'], setup['features'],
                  '--sec2clip-ratio', '1.5', '--out-json', out_json,
                  '--vis', png)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out_json) as f:
        written = json.load(f)
    model = init_model(*setup['haan'])
    expected = named_detections(
        model, inference_features(model, setup['features'], 1.5))
    assert len(written['detections']) == len(expected) > 0
    for got, want in zip(written['detections'], expected):
        assert set(got) >= {'label', 'start', 'end', 'score'}
        assert (got['label'], got['start'], got['end']) == \
            (want['label'], want['start'], want['end'])
        assert got['score'] == pytest.approx(want['score'], rel=1e-5)
    with open(png, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


def _bad_inputs(setup, tmp):
    """case -> (tools/infer.py arguments, expected part of the error)."""
    video = tmp / 'clip.mp4'
    video.write_bytes(b'not a video')
    joints = tmp / 'ntu_layout.npy'
    np.save(joints, np.ones((20, 25, 3), np.float32))
    with open(setup['data'], 'rb') as f:
        coco_sample = pickle.load(f)['annotations'][0]['frame_dir']
    ma52_video = setup['ma52'] / 'raw_videos' / '0002_01_0000.mp4'
    return {
        'input file that does not exist': (
            [*setup['stgcn'], str(tmp / 'nope.npy')],
            'nope.npy does not exist'),
        'video given to a skeleton config': (
            [*setup['stgcn'], str(video)],
            'wrong input kind for'),
        'skeleton pickle given to HAAN': (
            [*setup['haan'], setup['data'], '--sec2clip-ratio', '1'],
            'which takes a (T, D) clip-feature .npy'),
        'HAAN features without --sec2clip-ratio': (
            [*setup['haan'], setup['features']], 'needs --sec2clip-ratio'),
        '25-joint keypoints for a 17-joint (COCO) config': (
            [*setup['stgcn'], str(joints)],
            "field 'keypoint']: the config expects 17 joints (layout coco), "
            'got 25'),
        '17-joint COCO poses for a 28-joint (MA-52) config': (
            [*setup['pcan'], str(ma52_video), '--pose', setup['data'],
             '--sample', coco_sample],
            "field 'keypoint']: the config expects 28 joints (layout ma52), "
            'got 17'),
        'unreadable video (PCAN)': (
            [*setup['pcan'], str(video), '--pose', setup['data']],
            "clip.mp4 [field 'video']: video cannot be decoded"),
        'video that does not exist (PCAN)': (
            [*setup['pcan'], str(tmp / 'gone.mp4'), '--pose', setup['data']],
            'gone.mp4 does not exist'),
    }


@pytest.fixture(scope='module')
def pcan_setup(setup, repo_root):
    out = setup['out'] / 'pcan'
    out.mkdir()
    config = write_config(repo_root, PCAN, out)
    setup['pcan'] = (config, random_checkpoint(config, str(out / 'p.pth')))
    make_ma52(str(out / 'ma52'), classes=(0, ), samples_per_class=(1, 1, 1),
              size=64, frames=(40, 40))
    setup['ma52'] = out / 'ma52'
    return setup


def _frames(path):
    reader = decord.VideoReader(str(path), num_threads=1)
    return reader.get_batch(range(len(reader))).asnumpy()


def test_skeleton_video(setup, repo_root):
    with open(setup['data'], 'rb') as f:
        anno = pickle.load(f)['annotations'][0]
    out = setup['out'] / 'skeleton.mp4'
    proc = run_infer(repo_root, *setup['stgcn'], setup['data'], '--sample',
                  anno['frame_dir'], '--vis', str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    frames = _frames(out)
    assert len(frames) == anno['keypoint'].shape[1]
    assert frames.shape[1:3] == (360, 640)  # 1080 x 1920 scaled to 640 wide
    # every frame shows the skeleton below the label lines, where its
    # keypoints (pixels of 1080 x 1920) fall on the 360 x 640 canvas
    ys, xs = anno['keypoint'][..., 1] / 3, anno['keypoint'][..., 0] / 3
    top = max(int(ys.min()), 80)  # below the text
    assert ys.max() > top + 40
    box = frames[:, top:int(ys.max()) + 1, int(xs.min()):int(xs.max()) + 1]
    assert (box.max(-1) > 128).any(axis=(1, 2)).all()


def test_rgbpose_video(pcan_setup, repo_root):
    root = pcan_setup['ma52']
    video = root / 'raw_videos' / '0002_01_0000.mp4'
    out = pcan_setup['out'] / 'pcan.mp4'
    proc = run_infer(repo_root, *pcan_setup['pcan'], str(video), '--pose',
                  str(root / 'MA-52_openpose_28kp' / 'MA52_val.pkl'),
                  '--vis', str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'body part' in proc.stdout
    drawn, source = _frames(out), _frames(video)
    assert drawn.shape == source.shape
    assert not np.array_equal(drawn, source)  # poses and labels drawn on it
    # written atomically, with the mode of any plain new file (not 0600)
    assert out.stat().st_mode & 0o777 == plain_file_mode()


@pytest.mark.parametrize('case', [
    'input file that does not exist', 'video given to a skeleton config',
    'skeleton pickle given to HAAN', 'HAAN features without --sec2clip-ratio',
    '25-joint keypoints for a 17-joint (COCO) config',
    '17-joint COCO poses for a 28-joint (MA-52) config',
    'unreadable video (PCAN)', 'video that does not exist (PCAN)'])
def test_bad_input_gives_one_clear_line(case, pcan_setup, repo_root,
                                        tmp_path, reliability):
    args, expected = _bad_inputs(pcan_setup, tmp_path)[case]
    proc = run_infer(repo_root, *args)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith('error: '), proc.stderr
    assert expected in errors[0]
    reliability.record('inference', case, errors[0])
