"""``--stream``: live labels on a sliding window. A recorded clip played
through the stream gives, window for window, the scores of the offline
``--window`` inference on the same frames and poses; a slow consumer drops
the oldest frames (counted) instead of falling behind; Ctrl-C stops cleanly
with the results written."""
import json
import os
import pickle
import re
import signal
import subprocess
import sys
import time

import cv2
import decord
import numpy as np
import pytest

from mmaction2_ext.apis import inference_windows, init_model
from mmaction2_ext.apis.stream import (FrameSource, recorded_poses,
                                       stream_predictions)
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle

from inference_cases import random_checkpoint, run_infer, write_config

LIVE_LINE = re.compile(r'^ +\d+\.\d\d s  .* lag \d+\.\d\d s, dropped \d+$')
STGCN = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'
PCAN = 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py'


def _frames(n, shape=(32, 48)):
    return [np.full((*shape, 3), i % 256, np.uint8) for i in range(n)]


def test_source_hands_out_every_frame_in_order_at_its_rate():
    source = FrameSource(_frames(12), fps=100., realtime=True, max_delay=1.)
    before = time.monotonic()
    got = list(source)
    assert [f.index for f in got] == list(range(12))
    assert [int(f.rgb[0, 0, 0]) for f in got] == list(range(12))
    assert source.dropped == 0 and source.read_frames == 12
    # played as if live: frame i arrives no earlier than i / fps after the
    # start (a lower bound: a busy machine only delays frames)
    assert got[-1].arrived - before >= 11 / 100.


def test_a_late_consumer_gets_the_newest_frame_and_a_drop_count():
    """Frames that waited longer than max_delay are dropped, the newest
    always kept: a consumer that comes 0.1 s late gets frame 11 only."""
    source = FrameSource(_frames(12), fps=100., realtime=False,
                         max_delay=0.02).start()
    source.join()
    time.sleep(0.1)
    got = list(source)
    assert [f.index for f in got] == [11]
    assert source.dropped == 11 and source.read_frames == 12


def test_a_slow_consumer_skips_frames_instead_of_falling_behind():
    source = FrameSource(_frames(40), fps=50., realtime=True, max_delay=0.1)
    got = []
    for frame in source:
        got.append(frame.index)
        time.sleep(0.15)  # 7.5 frame times per frame
    assert got == sorted(set(got)) and got[-1] == 39
    assert source.dropped > 0
    assert source.dropped + len(got) == source.read_frames == 40


def test_stop_ends_the_reader():
    source = FrameSource(_frames(1000), fps=50., realtime=True).start()
    source.stop()
    source.join()
    assert source.read_frames < 1000


@pytest.fixture(scope='module')
def stgcn(tmp_path_factory, repo_root):
    out = tmp_path_factory.mktemp('stgcn_stream')
    data = write_skeleton_pickle(str(out / 'data.pkl'), 'coco',
                                 num_classes=4, samples_per_class=(1, 1),
                                 seed=5)
    config = write_config(repo_root, STGCN, out, dict(ann_file=data))
    ckpt = random_checkpoint(config, str(out / 'random.pth'))
    with open(data, 'rb') as f:
        anno = pickle.load(f)['annotations'][0]
    # one person: the stream estimates one
    anno = dict(anno, keypoint=anno['keypoint'][:1],
                keypoint_score=anno['keypoint_score'][:1])
    return dict(model=init_model(config, ckpt), config=config, ckpt=ckpt,
                anno=anno, out=out)


def _scores_by_end(timeline):
    return {w['end_frame']: [(p['label'], p['score'])
                             for p in w['predictions']] for w in timeline}


def test_skeleton_stream_equals_offline_windows(stgcn):
    anno = stgcn['anno']
    total, (height, width) = anno['keypoint'].shape[1], anno['img_shape']
    source = FrameSource(_frames(total, (height, width)), fps=30.,
                         realtime=False, max_delay=1000.)
    live = list(stream_predictions(stgcn['model'], source,
                                   recorded_poses(anno), window=20,
                                   stride=7))
    offline = _scores_by_end(inference_windows(
        stgcn['model'], anno, 20, 7, img_shape=(height, width)))
    ends = [r['frame'] + 1 for r in live]
    assert ends == list(range(20, total + 1, 7))
    for r in live:
        assert [(p['label'], p['score']) for p in r['predictions']] == \
            offline[r['frame'] + 1]
        assert r['time'] == pytest.approx(r['frame'] / 30.)
        assert r['lag'] >= 0 and r['dropped'] == 0


def test_rgbpose_stream_equals_offline_windows(tmp_path, repo_root):
    root = tmp_path / 'ma52'
    make_ma52(str(root), classes=(0, 11), samples_per_class=(0, 0, 1),
              size=64, frames=(40, 40))
    pose = str(root / 'MA-52_openpose_28kp' / 'MA52_test.pkl')
    video = str(root / 'raw_videos' / 'test0000.mp4')
    config = write_config(repo_root, PCAN, tmp_path)
    model = init_model(config, random_checkpoint(config,
                                                 str(tmp_path / 'r.pth')))
    with open(pose, 'rb') as f:
        anno = pickle.load(f)[0]
    reader = decord.VideoReader(video, num_threads=1)
    frames = list(reader.get_batch(range(len(reader))).asnumpy())
    source = FrameSource(frames, fps=25., realtime=False, max_delay=1000.)
    live = list(stream_predictions(model, source, recorded_poses(anno),
                                   window=16, stride=12))
    offline = _scores_by_end(inference_windows(model, video, 16, 12,
                                               pose=pose))
    assert [r['frame'] + 1 for r in live] == [16, 28, 40]
    for r in live:
        assert [(p['label'], p['score']) for p in r['predictions']] == \
            offline[r['frame'] + 1]
        assert 'body' in r  # PCAN's body-part ranking, as offline


def test_default_window_is_the_models_clip_length(stgcn, played, repo_root,
                                                  tmp_path):
    out = tmp_path / 'stream.json'
    proc = run_infer(repo_root, stgcn['config'], stgcn['ckpt'],
                     played['video'], '--stream', '--pose', played['pose'],
                     '--out-json', str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert stgcn['model'].model_input.clip_len == 32
    assert (results['window'], results['stride']) == (32, 32)


def _video(path, frames, fps):
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return str(path)


@pytest.fixture(scope='module')
def played(stgcn):
    """A video and its pose file, as a recorded clip to play live."""
    anno = stgcn['anno']
    total = anno['keypoint'].shape[1]
    video = _video(stgcn['out'] / 'clip.mp4', _frames(total, (64, 64)), 25.)
    pose = stgcn['out'] / 'clip.pkl'
    with open(pose, 'wb') as f:
        pickle.dump(dict(anno, frame_dir='clip'), f)
    return dict(video=video, pose=str(pose), total=total)


def test_cli_prints_live_labels_and_writes_the_json(stgcn, played, repo_root,
                                                     tmp_path):
    out = tmp_path / 'stream.json'
    proc = run_infer(repo_root, stgcn['config'], stgcn['ckpt'],
                     played['video'], '--stream', '--pose', played['pose'],
                     '--window', '16', '--stride', '8', '--out-json',
                     str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results['stopped'] == 'end of stream'
    assert results['frames'] == played['total'] and results['fps'] == 25.
    assert [w['frame'] + 1 for w in results['timeline']] == list(
        range(16, played['total'] + 1, 8))
    lines = [line for line in proc.stdout.splitlines()
             if LIVE_LINE.match(line)]
    assert len(lines) == len(results['timeline'])
    best = results['timeline'][0]['predictions'][0]['label']
    assert best in lines[0]
    assert f'end of stream: {played["total"]} frames read' in proc.stdout


def test_ctrl_c_stops_cleanly_with_the_results_so_far(stgcn, played,
                                                      repo_root, tmp_path):
    # a long clip (played at 25 fps: ~16 s) interrupted after its first label
    frames = _frames(400, (64, 64))
    video = _video(tmp_path / 'long.mp4', frames, 25.)
    out = tmp_path / 'stream.json'
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    # a real process: its output is read while it runs
    proc = subprocess.Popen(
        [sys.executable, 'tools/infer.py', stgcn['config'], stgcn['ckpt'],
         video, '--stream', '--pose', played['pose'], '--window', '8',
         '--out-json', str(out)], cwd=repo_root, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    for line in proc.stdout:
        if LIVE_LINE.match(line) or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    assert 'Traceback' not in err
    assert 'interrupted (Ctrl-C)' in rest
    results = json.loads(out.read_text())
    assert results['stopped'] == 'interrupted (Ctrl-C)'
    assert 1 <= len(results['timeline']) and results['frames'] < 400


@pytest.mark.parametrize('options, message', [
    (['--window', '0'], '--window 0: must be >= 1'),
    (['--stride', '-2'], '--stride -2: must be >= 1'),
    (['--max-delay', '0'], '--max-delay 0.0: must be > 0'),
    (['--vis', 'x.mp4'], '--vis is not drawn with --stream'),
])
def test_bad_stream_options_are_one_line(options, message, stgcn, played,
                                         repo_root, reliability):
    proc = run_infer(repo_root, stgcn['config'], 'no_such.pth',
                     played['video'], '--stream', *options)
    errors = [line for line in proc.stderr.splitlines()
              if line.startswith('error') or 'Traceback' in line]
    assert proc.returncode == 1 and len(errors) == 1
    assert errors[0].startswith(f'error: {message}')
    reliability.record('inference', f'--stream {" ".join(options)}',
                       errors[0])


def test_a_source_that_does_not_open_is_one_line(stgcn, played, repo_root,
                                                 tmp_path, reliability):
    proc = run_infer(repo_root, stgcn['config'], stgcn['ckpt'],
                     str(tmp_path / 'missing.mp4'), '--stream', '--pose',
                     played['pose'])
    errors = [line for line in proc.stderr.splitlines()
              if line.startswith('error') or 'Traceback' in line]
    assert proc.returncode == 1 and len(errors) == 1
    assert 'missing.mp4: cannot be opened as a video file, camera index or ' \
        'stream URL' in errors[0]
    reliability.record('inference', '--stream of a source that does not open',
                       errors[0])


def test_a_layout_mediapipe_cannot_give_is_one_line(played, repo_root,
                                                    tmp_path, reliability):
    """ProtoGCN on NTU's 3-D joints: MediaPipe gives 2-D poses only."""
    config = write_config(
        repo_root, 'configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d'
        '.py', tmp_path)
    ckpt = random_checkpoint(config, str(tmp_path / 'p.pth'))
    proc = run_infer(repo_root, config, ckpt, played['video'], '--stream')
    errors = [line for line in proc.stderr.splitlines()
              if line.startswith('error') or 'Traceback' in line]
    assert proc.returncode == 1 and len(errors) == 1, proc.stderr[-2000:]
    assert "MediaPipe gives 2-D poses in the layouts ma52, openpose, coco; " \
        "this config takes layout 'nturgb+d'" in errors[0]
    reliability.record('inference', '--stream on a 3-D skeleton config',
                       errors[0])


def test_a_window_without_a_person_is_no_label_and_the_stream_goes_on(stgcn):
    """Nobody in view for the first frames (a live camera): those windows
    give no label (person False) instead of stopping the stream on the
    dataset's no-person check; the windows with the person are labelled as
    offline."""
    anno = stgcn['anno']
    total, shape = anno['keypoint'].shape[1], anno['img_shape']
    recorded = recorded_poses(anno)

    def pose(frame):  # the person walks in at frame 24
        joints = recorded(frame)
        return joints if frame.index >= 24 else np.zeros_like(joints)
    source = FrameSource(_frames(total, shape), fps=30., realtime=False,
                         max_delay=1000.)
    live = list(stream_predictions(stgcn['model'], source, pose, window=8,
                                   stride=8))
    assert [r['person'] for r in live] == [False] * 3 + [True] * (
        total // 8 - 3)
    assert all(r['predictions'] == [] for r in live[:3])
    offline = _scores_by_end(inference_windows(stgcn['model'], anno, 8, 8,
                                               img_shape=shape))
    for r in live[3:]:
        assert [(p['label'], p['score']) for p in r['predictions']] == \
            offline[r['frame'] + 1]
