"""The inference API gives the scores / detections of ``tools/test.py
--dump`` on dataset samples, from every skeleton input format, with names."""
import json
import pickle

import numpy as np
import pytest
import torch

from mmaction2_ext.apis import (inference_features, inference_rgbpose,
                                inference_skeleton, init_model,
                                named_detections, top_predictions)
from mmaction2_ext.compat import CheckpointError
from mmaction2_ext.datasets.class_vectors import random_class_vectors
from mmaction2_ext.datasets.labels import class_names
from mmaction2_ext.datasets.ma52_labels import MA52_BODY_NAMES
from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from mmaction2_ext.utils import DataError

from helpers import RunsCode
from inference_cases import (pcan_test_config, random_checkpoint,
                             synthetic_ma52, tools_test_dump, write_config)

SKELETON_CASES = {
    'stgcn': ('configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py', 'coco',
              'val'),
    'protogcn': ('configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d.py',
                 'ntu', 'xsub_val'),
    # PoseC3D + the embedding head: heatmaps drawn from the skeleton
    'miga': ('configs/miga/'
             'slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint.py',
             'imigue', 'test'),
}


@pytest.fixture(scope='module', params=sorted(SKELETON_CASES))
def skeleton_case(request, tmp_path_factory, repo_root):
    config, layout, split = SKELETON_CASES[request.param]
    out = tmp_path_factory.mktemp(request.param)
    data = write_skeleton_pickle(str(out / 'data.pkl'), layout, num_classes=4,
                                 samples_per_class=(1, 2, 1), seed=2)
    config = write_config(repo_root, config, out, dict(ann_file=data),
                          **model_options(request.param, out))
    ckpt = random_checkpoint(config, str(out / 'random.pth'))
    with open(data, 'rb') as f:
        annos = {a['frame_dir']: a for a in pickle.load(f)['annotations']}
    return dict(config=config, ckpt=ckpt, data=data, annos=annos,
                names=[n for n in annos if n.startswith(split)],
                dump=tools_test_dump(repo_root, config, ckpt, out), out=out)


@pytest.fixture(scope='module')
def skeleton_model(skeleton_case):
    return init_model(skeleton_case['config'], skeleton_case['ckpt'])


def model_options(case, out):
    """MiGA's head reads its class vectors at build time."""
    if case != 'miga':
        return {}
    path = str(out / 'class_vectors.npy')
    np.save(path, random_class_vectors(4))
    return {'model.cls_head.class_vectors': path}


def _scores(result):
    return result.pred_score.numpy()


def test_skeleton_scores_match_test_dump(skeleton_case, skeleton_model):
    for name, record in zip(skeleton_case['names'], skeleton_case['dump']):
        result = inference_skeleton(skeleton_model, skeleton_case['data'],
                                    sample=name)
        np.testing.assert_allclose(_scores(result),
                                   record['pred_score'].numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_every_skeleton_format_gives_the_same_scores(skeleton_case,
                                                     skeleton_model):
    name = skeleton_case['names'][0]
    anno = skeleton_case['annos'][name]
    expected = _scores(inference_skeleton(skeleton_model,
                                          skeleton_case['data'], name))
    out = skeleton_case['out']
    keypoint = anno['keypoint']
    if 'keypoint_score' in anno:  # (x, y, score) in one array
        score = anno['keypoint_score'][..., None]
        keypoint = np.concatenate([keypoint, score], -1)
    np.save(out / 'kp.npy', keypoint)
    with open(out / 'sample.json', 'w') as f:
        json.dump({k: v.tolist() if isinstance(v, np.ndarray) else v
                   for k, v in anno.items()}, f)
    with open(out / 'sample.pkl', 'wb') as f:
        pickle.dump(anno, f)
    inputs = [(dict(anno), {}), (str(out / 'sample.json'), {}),
              (str(out / 'sample.pkl'), {}),
              (str(out / 'kp.npy'), dict(img_shape=anno['img_shape']))]
    if keypoint.shape[0] == 1:  # one person: (T, V, C) too
        np.save(out / 'kp1.npy', keypoint[0])
        inputs.append((str(out / 'kp1.npy'),
                       dict(img_shape=anno['img_shape'])))
    for source, kwargs in inputs:
        got = _scores(inference_skeleton(skeleton_model, source, **kwargs))
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6,
                                   err_msg=str(source))


def test_input_arrays_are_left_unchanged(skeleton_case, skeleton_model):
    anno = skeleton_case['annos'][skeleton_case['names'][0]]
    before = {k: v.copy() for k, v in anno.items()
              if isinstance(v, np.ndarray)}
    inference_skeleton(skeleton_model, anno)
    for key, value in before.items():
        np.testing.assert_array_equal(anno[key], value, err_msg=key)


def test_skeleton_pickle_cannot_run_code(skeleton_model, tmp_path,
                                         reliability):
    marker, path = tmp_path / 'code_ran', tmp_path / 'hostile.pkl'
    path.write_bytes(pickle.dumps([RunsCode(marker)]))
    with pytest.raises(DataError, match="refused to unpickle global") as err:
        inference_skeleton(skeleton_model, str(path))
    assert not marker.exists()
    reliability.record('inference', 'skeleton .pkl that would run code',
                       str(err.value))


def test_predictions_are_ranked_and_named(skeleton_case, tmp_path):
    names = ['wave', 'clap', 'jump', 'sit']
    (tmp_path / 'names.txt').write_text('\n'.join(names) + '\n')
    model = init_model(skeleton_case['config'], skeleton_case['ckpt'],
                       cfg_options=dict(label_file=str(tmp_path /
                                                       'names.txt')))
    result = inference_skeleton(model, skeleton_case['data'],
                                skeleton_case['names'][0])
    top = top_predictions(model, result, k=3)['predictions']
    scores = _scores(result)
    assert [p['index'] for p in top] == list(np.argsort(-scores)[:3])
    assert [p['label'] for p in top] == [names[p['index']] for p in top]
    assert [p['score'] for p in top] == pytest.approx(
        np.sort(scores)[::-1][:3].tolist())


def test_builtin_names_follow_the_class_count(skeleton_case):
    model = init_model(skeleton_case['config'],
                       cfg_options={'model.cls_head.num_classes': 60})
    result = inference_skeleton(model, skeleton_case['data'],
                                skeleton_case['names'][0])
    top = top_predictions(model, result, k=60)['predictions']
    by_index = {p['index']: p['label'] for p in top}
    assert by_index[0] == 'drink water'
    assert by_index[59] == 'walking apart from each other'


def test_label_file_of_the_wrong_size_is_an_error(skeleton_case, tmp_path,
                                                  reliability):
    (tmp_path / 'names.txt').write_text('a\nb\n')
    model = init_model(skeleton_case['config'], skeleton_case['ckpt'],
                       cfg_options=dict(label_file=str(tmp_path /
                                                       'names.txt')))
    result = inference_skeleton(model, skeleton_case['data'],
                                skeleton_case['names'][0])
    with pytest.raises(DataError, match='2 class names, but the model has 4'
                       ) as err:
        top_predictions(model, result)
    reliability.record('inference', 'label file with too few names',
                       str(err.value))


def test_checkpoint_of_another_model_is_an_error(skeleton_case, tmp_path,
                                                 reliability):
    other = init_model(skeleton_case['config'],
                       cfg_options={'model.cls_head.num_classes': 7})
    torch.save(dict(state_dict=other.state_dict()), tmp_path / 'other.pth')
    with pytest.raises(CheckpointError,
                       match=r'another shape: .*\(7, .*vs model \(4, ') as err:
        init_model(skeleton_case['config'], str(tmp_path / 'other.pth'))
    reliability.record('inference', 'checkpoint of a differently sized model',
                       str(err.value))


@pytest.fixture(scope='module')
def haan_case(tmp_path_factory, repo_root):
    out = tmp_path_factory.mktemp('haan')
    info = make_haan_dataset(str(out / 'data'), num_train=12, num_test=6,
                             seed=1)
    config = write_config(
        repo_root, 'configs/haan/haan_1xb4-10e_synthetic-feat.py', out,
        dict(ann_dir=info['ann_dir'], features=info['features'],
             num_training_videos=12),
        **{'model.fine_to_coarse': info['fine_to_coarse']})
    ckpt = random_checkpoint(config, str(out / 'random.pth'))
    features = np.load(info['features'], allow_pickle=True)
    return dict(config=config, ckpt=ckpt, out=out, info=info,
                features=features, dump=tools_test_dump(repo_root, config,
                                                        ckpt, out))


def test_haan_detections_match_test_dump(haan_case):
    model = init_model(haan_case['config'], haan_case['ckpt'])
    for record in haan_case['dump']:
        path = haan_case['out'] / f'{record["video_name"]}.npy'
        np.save(path, haan_case['features'][12 + record['index']])
        got = inference_features(model, str(path), record['sec2clip_ratio'])
        assert len(got) == len(record['detections']) > 0
        for a, b in zip(got, record['detections']):
            assert (a['label'], a['t_start'], a['t_end']) == \
                (b['label'], b['t_start'], b['t_end'])
            assert a['score'] == pytest.approx(b['score'], rel=1e-5)
    named = named_detections(model, got)
    assert [d['score'] for d in named] == sorted(
        (d['score'] for d in got), reverse=True)
    assert {d['label'] for d in named} <= {f'class {i}' for i in range(6)}


@pytest.mark.parametrize('case', ['shape', 'kind'])
def test_haan_bad_input_is_an_error(case, haan_case, reliability):
    model = init_model(haan_case['config'], haan_case['ckpt'])
    if case == 'shape':
        with pytest.raises(DataError, match=r'shape \(10, 7\), expected '
                           r'\(T>0, 32\)') as err:
            inference_features(model, np.zeros((10, 7), np.float32), 1.5)
        reliability.record('inference', 'HAAN features of the wrong width',
                           str(err.value))
    else:
        with pytest.raises(DataError, match='takes features input, not '
                           'skeleton') as err:
            inference_skeleton(model, dict(keypoint=np.zeros((1, 5, 17, 2))))
        reliability.record('inference', 'skeleton input to a HAAN model (API)',
                           str(err.value))


@pytest.fixture(scope='module')
def pcan_case(tmp_path_factory, repo_root):
    out = tmp_path_factory.mktemp('pcan')
    root, pose = synthetic_ma52(out)
    config = pcan_test_config(repo_root, root, pose, out)
    ckpt = random_checkpoint(config, str(out / 'random.pth'))
    return dict(config=config, ckpt=ckpt, pose=pose, videos=root /
                'raw_videos', dump=tools_test_dump(repo_root, config, ckpt,
                                                   out))


def test_pcan_scores_match_test_dump(pcan_case):
    model = init_model(pcan_case['config'], pcan_case['ckpt'])
    for record in pcan_case['dump']:
        video = pcan_case['videos'] / (
            record['frame_dir'].split('/')[-1] + '.mp4')
        result = inference_rgbpose(model, str(video), pcan_case['pose'])
        assert set(result.pred_score) == set(record['pred_score'])
        for key, expected in record['pred_score'].items():
            np.testing.assert_allclose(result.pred_score[key].numpy(),
                                       expected.numpy(), rtol=1e-5,
                                       atol=1e-7, err_msg=key)
    top = top_predictions(model, result, k=2)
    names = class_names('ma52', 52)  # chosen by the class count
    assert all(p['label'] == names[p['index']] for p in top['predictions'])
    assert {b['label'] for b in top['body']} <= set(MA52_BODY_NAMES)


OFFICIAL = {
    'pcan_model_keys.json': 'configs/pcan/pcan_rgbpose_ma52.py',
    'protogcn_ntu60_xsub_j_keys.json': 'configs/protogcn/ntu60_xsub/j.py',
    'miga_model_keys_joint.json':
    'configs/miga/slowonly_r50-emb20_2xb16-u48-100e_imigue-keypoint.py',
}


@pytest.mark.parametrize('keys', sorted(OFFICIAL))
def test_official_checkpoint_layout_loads(keys, spec_keys_dir, upstream_dir,
                                          repo_root, tmp_path):
    """init_model's checked load takes a checkpoint with exactly the official
    keys and shapes (values: a ramp, to see they arrive)."""
    with open(f'{spec_keys_dir}/{keys}') as f:
        shapes = {k: v for k, v in json.load(f).items()
                  if not k.startswith('_')}
    state = {k: torch.arange(int(np.prod(s)), dtype=torch.float32).reshape(s)
             for k, s in shapes.items()}
    torch.save(dict(state_dict=state, meta={}), tmp_path / 'official.pth')
    vectors = f'{upstream_dir}/miga/tools/glove/Vectors.npy'
    model = init_model(f'{repo_root}/{OFFICIAL[keys]}',
                       str(tmp_path / 'official.pth'),
                       cfg_options={'model.cls_head.class_vectors': vectors}
                       if 'miga' in keys else None)
    loaded = model.state_dict()
    key = max(shapes, key=lambda k: int(np.prod(shapes[k])))
    assert torch.equal(loaded[key].float(), state[key])
