"""tools/infer.py --backend onnxruntime: the PyTorch backend's
preprocessing, top-k table and JSON (HAAN: its detections)."""
import json
import os.path as osp
import pickle
import re

import numpy as np
import pytest

from inference_cases import run_infer


def infer_args(method, entry, tmp_path):
    """The INPUT and options of one infer.py run on the method's data."""
    if method == 'haan':
        features = str(tmp_path / 'video.npy')
        np.save(features, np.load(osp.join(entry['data'], 'features.npy'),
                                  allow_pickle=True)[-1])
        return [features, '--sec2clip-ratio', '1.5']
    if method == 'pcan':
        pose = osp.join(entry['data'], 'MA-52_openpose_28kp', 'MA52_val.pkl')
        with open(pose, 'rb') as f:
            name = pickle.load(f)[0]['frame_dir']
        return [osp.join(entry['data'], 'raw_videos', f'{name}.mp4'),
                '--pose', pose]
    with open(entry['data'], 'rb') as f:
        name = pickle.load(f)['annotations'][0]['frame_dir']
    return [entry['data'], '--sample', name]


def rows(results):
    """(key, row) pairs of every ranked list in an infer.py JSON."""
    return [(key, row) for key in ('predictions', 'body', 'detections')
            for row in results.get(key, [])]


@pytest.mark.parametrize('method', ['stgcn', 'pcan', 'haan'])
def test_same_table_and_json_as_pytorch(method, exported, ort, repo_root,
                                        tmp_path):
    entry = exported(method)
    args = infer_args(method, entry, tmp_path)
    written = {}
    for backend, model_file in (('pytorch', entry['checkpoint']),
                                ('onnxruntime', entry['onnx'])):
        out = str(tmp_path / f'{backend}.json')
        proc = run_infer(repo_root, entry['config'], model_file, *args,
                         '--topk', '3', '--backend', backend,
                         '--out-json', out)
        assert proc.returncode == 0, proc.stderr[-3000:]
        with open(out) as f:
            written[backend] = json.load(f)
        lines = proc.stdout.splitlines()
        start = [i for i, line in enumerate(lines)
                 if line.startswith('input: ')][0]
        # the table with its 4-decimal scores blanked
        written[backend + ' table'] = [re.sub(r'-?\d+\.\d{4}\b', '#', line)
                                       for line in lines[start:]]
    torch_rows, ort_rows = (rows(written[b]) for b in ('pytorch',
                                                       'onnxruntime'))
    assert len(ort_rows) == len(torch_rows) > 0
    for (key, got), (want_key, want) in zip(ort_rows, torch_rows):
        assert key == want_key
        assert {k: v for k, v in got.items() if k != 'score'} == \
            {k: v for k, v in want.items() if k != 'score'}
        assert got['score'] == pytest.approx(want['score'], abs=1e-4)
    assert written['onnxruntime']['input'] == written['pytorch']['input']
    # the printed tables show the same rows
    assert written['onnxruntime table'] == written['pytorch table']
