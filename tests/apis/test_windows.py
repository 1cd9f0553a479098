"""Sliding windows over a long input: the per-window timeline of the API and
of ``tools/infer.py --window``, for skeleton and RGB + pose models."""
import json
import pickle
import re

import decord
import numpy as np
import pytest

from mmaction2_ext.apis import (inference_rgbpose, inference_skeleton,
                                inference_windows, init_model,
                                top_predictions)
from mmaction2_ext.apis.inference import rgbpose_annotation
from mmaction2_ext.apis.windows import (_window_pipeline, slice_annotation,
                                        window_bounds)
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from mmaction2_ext.utils import DataError

from inference_cases import random_checkpoint, run_infer, write_config

STGCN = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'
PCAN = 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py'


@pytest.mark.parametrize('total,window,stride,expected', [
    (94, 40, 25, [(0, 40), (25, 65), (50, 90), (54, 94)]),  # end-aligned
    (90, 40, 25, [(0, 40), (25, 65), (50, 90)]),  # reaches the end
    (30, 40, 10, [(0, 30)]),  # shorter than a window
    (80, 40, None, [(0, 40), (40, 80)]),  # stride = window
    (81, 40, None, [(0, 40), (40, 80), (41, 81)]),  # one frame left
    (40, 40, 7, [(0, 40)]),  # exactly one window
])
def test_window_bounds(total, window, stride, expected):
    assert window_bounds(total, window, stride) == expected


@pytest.mark.parametrize('window,stride', [(40, 0), (40, -5), (0, None),
                                           (0, 10), (-1, 10)])
def test_window_or_stride_below_one_is_refused(window, stride):
    used = window if stride is None else stride
    with pytest.raises(DataError, match=re.escape(
            f'window ({window}) and stride ({used}) must be >= 1 frames')):
        window_bounds(80, window, stride)


@pytest.fixture(scope='module')
def long_skeleton(tmp_path_factory, repo_root):
    """Two synthetic classes one after the other, and a tiny ST-GCN."""
    out = tmp_path_factory.mktemp('windows')
    data = write_skeleton_pickle(str(out / 'coco.pkl'), 'coco', num_classes=4,
                                 samples_per_class=(1, 1), seed=3)
    with open(data, 'rb') as f:
        annos = [a for a in pickle.load(f)['annotations']
                 if a['keypoint'].shape[0] == 1][:2]
    assert [a['label'] for a in annos] == [0, 1]
    long = dict(frame_dir='long', img_shape=annos[0]['img_shape'], **{
        key: np.concatenate([a[key] for a in annos], axis=1)
        for key in ('keypoint', 'keypoint_score')})
    config = write_config(repo_root, STGCN, out, dict(ann_file=data))
    ckpt = random_checkpoint(config, str(out / 'random.pth'))
    with open(out / 'long.pkl', 'wb') as f:
        pickle.dump(long, f)
    return dict(anno=long, path=str(out / 'long.pkl'), config=config,
                ckpt=ckpt, out=out, seam=annos[0]['keypoint'].shape[1])


def _per_slice(model, anno, start, end, k):
    cut = {key: anno[key][:, start:end] for key in ('keypoint',
                                                    'keypoint_score')}
    result = inference_skeleton(model, dict(cut, img_shape=anno['img_shape']))
    return top_predictions(model, result, k)


def test_windows_equal_calls_on_the_slices(long_skeleton):
    model = init_model(long_skeleton['config'], long_skeleton['ckpt'])
    anno, total = long_skeleton['anno'], long_skeleton['anno'][
        'keypoint'].shape[1]
    timeline = inference_windows(model, long_skeleton['path'], window=40,
                                 stride=25, fps=10., k=4)
    assert [(w['start_frame'], w['end_frame']) for w in timeline] == \
        window_bounds(total, 40, 25)
    assert timeline[-1]['end_frame'] == total
    # windows before, across and after the seam of the two classes
    seam = long_skeleton['seam']
    assert timeline[0]['end_frame'] <= seam < timeline[1]['end_frame']
    for w in timeline:
        assert (w['start'], w['end']) == (w['start_frame'] / 10.,
                                          w['end_frame'] / 10.)
        expected = _per_slice(model, anno, w['start_frame'], w['end_frame'],
                              4)
        assert w['predictions'] == expected['predictions']
    # not the same scores everywhere: each window sees its own frames
    assert len({w['predictions'][0]['score'] for w in timeline}) > 1


def test_cli_timeline_json_and_png(long_skeleton, repo_root):
    out = long_skeleton['out']
    proc = run_infer(repo_root, long_skeleton['config'], long_skeleton['ckpt'],
                  long_skeleton['path'], '--window', '40', '--stride', '30',
                  '--topk', '2', '--out-json', str(out / 'tl.json'),
                  '--vis', str(out / 'tl.png'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out / 'tl.json') as f:
        written = json.load(f)
    model = init_model(long_skeleton['config'], long_skeleton['ckpt'])
    expected = inference_windows(model, long_skeleton['path'], 40, 30, k=2)
    assert (written['window'], written['stride']) == (40, 30)
    assert [(w['start_frame'], w['end_frame'], w['start']) for w in
            written['timeline']] == [(w['start_frame'], w['end_frame'], None)
                                     for w in expected]
    for got, want in zip(written['timeline'], expected):
        assert [p['index'] for p in got['predictions']] == \
            [p['index'] for p in want['predictions']]
        assert got['predictions'][0]['score'] == pytest.approx(
            want['predictions'][0]['score'], rel=1e-6)
        best = want['predictions'][0]
        assert f'{best["score"]:8.4f}  {best["label"]}' in proc.stdout
    with open(out / 'tl.png', 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


@pytest.mark.parametrize('case,args,expected', [
    ('--window 0', ['--window', '0'], '--window 0: must be >= 1'),
    ('--window -5', ['--window', '-5'], '--window -5: must be >= 1'),
    ('--stride 0', ['--window', '20', '--stride', '0'],
     '--stride 0: must be >= 1'),
    ('--stride without --window', ['--stride', '5'],
     '--stride is the step between windows: give --window'),
    ('--fps without --window', ['--fps', '25'],
     '--fps gives window times in seconds: give --window too'),
    ('--max-delay without --stream', ['--max-delay', '1'],
     '--max-delay is for --stream'),
    ('--window with an mp4 --vis', ['--window', '20', '--vis', 'x.mp4'],
     'with --window the picture is the label timeline, a .png file'),
])
def test_cli_bad_window_is_one_line(case, args, expected, long_skeleton,
                                    repo_root, reliability):
    """Checked before anything is loaded: the checkpoint does not even
    exist here, and the option is what the line names."""
    proc = run_infer(repo_root, long_skeleton['config'], 'missing.pth',
                     long_skeleton['path'], *args)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert lines[0].startswith('error: ') and expected in lines[0]
    reliability.record('inference', f'sliding windows: {case}', lines[0])


def test_cli_mp4_vis_without_window_is_the_overlay(long_skeleton, repo_root):
    """The same config draws an mp4 without --window: a .png there is
    refused naming the overlay video."""
    proc = run_infer(repo_root, long_skeleton['config'],
                     long_skeleton['ckpt'], long_skeleton['path'], '--vis',
                     'x.png')
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert 'a recognizer draws its overlay video, a .mp4 file' in lines[0]


@pytest.fixture(scope='module')
def pcan(tmp_path_factory, repo_root):
    out = tmp_path_factory.mktemp('pcan_windows')
    config = write_config(repo_root, PCAN, out)
    make_ma52(str(out / 'ma52'), classes=(0, ), samples_per_class=(1, 1, 1),
              size=64, frames=(40, 40))
    root = out / 'ma52'
    return dict(model=init_model(config, random_checkpoint(
        config, str(out / 'p.pth'))), video=str(
            root / 'raw_videos' / '0002_01_0000.mp4'), pose=str(
                root / 'MA-52_openpose_28kp' / 'MA52_val.pkl'))


def test_rgbpose_whole_window_is_the_plain_call(pcan):
    model = pcan['model']
    timeline = inference_windows(model, pcan['video'], 40, pose=pcan['pose'],
                                 k=52)
    assert len(timeline) == 1 and timeline[0]['end_frame'] == 40
    fps = decord.VideoReader(pcan['video']).get_avg_fps()
    assert timeline[0]['end'] == pytest.approx(40 / fps)
    plain = top_predictions(model, inference_rgbpose(
        model, pcan['video'], pcan['pose']), 52)
    assert timeline[0]['predictions'] == plain['predictions']
    assert timeline[0]['body'] == plain['body']


def test_rgbpose_window_reads_its_own_video_frames(pcan):
    """Sampling + decoding of a later window: poses cut to the window, video
    frames taken from it."""
    model = pcan['model']
    anno = rgbpose_annotation(model, pcan['video'], pcan['pose'])
    steps = model.cfg.test_pipeline[:2]  # sampler, decoder
    assert [s['type'] for s in steps] == ['MMUniformSampleFrames',
                                          'MMDecodeOnce']
    cfg = model.cfg.copy()
    cfg.test_pipeline = steps
    results = _window_pipeline(cfg, 25)(slice_annotation(anno, 25, 40))
    inds = results['RGB_inds']
    assert inds.min() >= 25 and inds.max() < 40
    video = decord.VideoReader(pcan['video'], num_threads=1)
    np.testing.assert_array_equal(np.stack(results['imgs']),
                                  video.get_batch(list(inds)).asnumpy())
    np.testing.assert_array_equal(results['keypoint'][0],
                                  anno['keypoint'][0, 25 + results[
                                      'Pose_inds']])
