"""Every input kind docs/inference.md lists, on every method whose config
accepts it (skeleton methods: the input itself; PCAN: a video's poses),
gives the scores of ``tools/test.py --dump`` on a pickle of the
same sample (2-D inputs without scores: a score of 1 per joint, what the
docs promise)."""
import copy
import json
import os.path as osp
import pickle

import numpy as np
import pytest

from mmaction2_ext.apis import (inference_rgbpose, inference_skeleton,
                                init_model)
from mmaction2_ext.datasets.class_vectors import random_class_vectors
from mmaction2_ext.datasets.pose_import import (FINGERTIPS,
                                                OPENPOSE18_TO_COCO17)

from inference_cases import (pcan_test_config, random_checkpoint, run_infer,
                             synthetic_ma52, tools_test_dump, write_config)

IMG_SHAPE = (360, 480)
FRAMES = 36
METHODS = {  # config, layout, joints, coordinates
    'stgcn': ('configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py',
              'coco', 17, 2),
    'protogcn': ('configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d.py',
                 'nturgb+d', 25, 3),
    'miga': ('configs/miga/'
             'slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint.py',
             'imigue', 22, 2),
}
# input kind -> (coordinates it carries, layouts it can express)
INPUTS = {
    'npy 2-D + score': (2, None), 'npy 2-D': (2, None), 'npy 3-D': (3, None),
    'json': (None, None), 'pkl': (None, None),
    'openpose folder': (2, ('coco', 'openpose', 'ma52')),
    'mmpose json': (2, ('coco', )),
}


def accepts(method, kind):
    _, layout, _, coords = METHODS[method]
    need, layouts = INPUTS[kind]
    return need in (None, coords) and (layouts is None or layout in layouts)


MATRIX = [(m, k) for m in sorted(METHODS) for k in INPUTS if accepts(m, k)]


def _keypoints(rng, joints, coords):
    if coords == 3:
        return rng.normal(0, 0.5, (2, FRAMES, joints, 3)).astype(np.float32)
    xy = np.zeros((1, FRAMES, joints, 2))
    xy[..., 0] = rng.uniform(20, IMG_SHAPE[1] - 20, xy.shape[:3])
    xy[..., 1] = rng.uniform(20, IMG_SHAPE[0] - 20, xy.shape[:3])
    return xy.astype(np.float32)


def _sample(name, keypoint, score=None):
    anno = dict(frame_dir=name, label=0, total_frames=FRAMES,
                keypoint=keypoint, img_shape=IMG_SHAPE,
                original_shape=IMG_SHAPE)
    if score is not None:
        anno['keypoint_score'] = score
    return anno


def _openpose_folder(folder, keypoint, score):
    """OpenPose-18 frames whose COCO-17 reading is ``keypoint``/``score``."""
    folder.mkdir()
    for t in range(FRAMES):
        body = np.zeros((18, 3), np.float32)
        body[list(OPENPOSE18_TO_COCO17), :2] = keypoint[0, t]
        body[list(OPENPOSE18_TO_COCO17), 2] = score[0, t]
        body[1] = [1., 1., 0.5]  # the neck COCO does not have
        people = [dict(pose_keypoints_2d=body.ravel().tolist())]
        (folder / f'clip_{t:012d}_keypoints.json').write_text(
            json.dumps(dict(people=people)))
    return str(folder)


def _mmpose_json(path, keypoint, score):
    frames = [dict(frame_id=t, instances=[dict(
        keypoints=keypoint[0, t].tolist(),
        keypoint_scores=score[0, t].tolist())]) for t in range(FRAMES)]
    path.write_text(json.dumps(frames))
    return str(path)


def _inputs(out, samples, layout):
    """input kind -> (source, reference sample name)."""
    scored, plain = samples.get('scored'), samples.get('plain')
    xyz = samples.get('xyz')
    made = {}
    if scored is not None:
        kp, score = scored['keypoint'], scored['keypoint_score']
        np.save(out / 'scored.npy', np.concatenate([kp, score[..., None]],
                                                   -1))
        np.save(out / 'plain.npy', plain['keypoint'])
        made['npy 2-D + score'] = (str(out / 'scored.npy'), 'scored')
        made['npy 2-D'] = (str(out / 'plain.npy'), 'plain')
    if layout == 'coco':
        made['openpose folder'] = (_openpose_folder(
            out / 'openpose', kp, score), 'scored')
        made['mmpose json'] = (_mmpose_json(out / 'mmpose.json', kp, score),
                               'scored')
    one = scored if scored is not None else xyz
    if xyz is not None:
        np.save(out / 'xyz.npy', xyz['keypoint'])
        made['npy 3-D'] = (str(out / 'xyz.npy'), 'xyz')
    with open(out / 'sample.json', 'w') as f:
        json.dump({k: v.tolist() if isinstance(v, np.ndarray) else v
                   for k, v in one.items()}, f)
    with open(out / 'sample.pkl', 'wb') as f:
        pickle.dump(one, f)
    made['json'] = (str(out / 'sample.json'), one['frame_dir'])
    made['pkl'] = (str(out / 'sample.pkl'), one['frame_dir'])
    return made


@pytest.fixture(scope='module')
def method(request, tmp_path_factory, repo_root):
    config, layout, joints, coords = METHODS[request.param]
    out = tmp_path_factory.mktemp(request.param)
    rng = np.random.default_rng(5)
    kp = _keypoints(rng, joints, coords)
    if coords == 3:
        samples = dict(xyz=_sample('xyz', kp))
    else:
        score = rng.uniform(0.2, 1., kp.shape[:3]).astype(np.float32)
        # the reference of a scoreless input: a score of 1 per joint
        samples = dict(scored=_sample('scored', kp, score),
                       plain=_sample('plain', kp, np.ones_like(score)))
    data = str(out / 'data.pkl')
    with open(data, 'wb') as f:
        pickle.dump(dict(split=dict(matrix=list(samples)),
                         annotations=list(samples.values())), f)
    options = {}
    if request.param == 'miga':
        vectors = str(out / 'class_vectors.npy')
        np.save(vectors, random_class_vectors(4))
        options['model.cls_head.class_vectors'] = vectors
    config = write_config(repo_root, config, out,
                          dict(ann_file=data, split='matrix'), **options)
    ckpt = random_checkpoint(config, str(out / 'random.pth'))
    dump = tools_test_dump(repo_root, config, ckpt, out)
    return dict(model=init_model(config, ckpt), inputs=_inputs(out, samples, layout),
                dump=dict(zip(samples, dump)), name=request.param)


@pytest.mark.parametrize('method,kind', MATRIX, indirect=['method'])
def test_input_kind_scores_equal_test_dump(method, kind):
    source, reference = method['inputs'][kind]
    got = inference_skeleton(method['model'], source, img_shape=IMG_SHAPE)
    np.testing.assert_allclose(
        got.pred_score.numpy(),
        method['dump'][reference]['pred_score'].numpy(), rtol=1e-5,
        atol=1e-6, err_msg=f'{method["name"]} {kind}')


def test_the_matrix_covers_every_documented_kind():
    assert {k for _, k in MATRIX} == set(INPUTS)
    assert {m for m, _ in MATRIX} == set(METHODS)


# --- PCAN: a video and its poses in every format the docs list ------------
PCAN_POSES = ('pkl', 'json', 'npy 2-D + score', 'npy 2-D', 'openpose folder')


def _ma52_openpose_folder(folder, keypoint, score):
    """OpenPose-18 body + 21-point hands whose MA-52 reading is
    ``keypoint``/``score`` (fingertips 18-22 left, 23-27 right)."""
    folder.mkdir()
    for t in range(keypoint.shape[1]):
        joints = np.concatenate([keypoint[0, t], score[0, t, :, None]], -1)
        hands = {}
        for side, first in (('left', 18), ('right', 23)):
            hand = np.zeros((21, 3), np.float32)
            hand[list(FINGERTIPS)] = joints[first:first + 5]
            hands[f'hand_{side}_keypoints_2d'] = hand.ravel().tolist()
        people = [dict(pose_keypoints_2d=joints[:18].ravel().tolist(),
                       **hands)]
        (folder / f'clip_{t:012d}_keypoints.json').write_text(
            json.dumps(dict(people=people)))
    return str(folder)


@pytest.fixture(scope='module')
def pcan(tmp_path_factory, repo_root):
    out = tmp_path_factory.mktemp('pcan_matrix')
    root, pose = synthetic_ma52(out)
    with open(pose, 'rb') as f:
        data = pickle.load(f)
    ones = copy.deepcopy(data)  # the reference of scoreless poses
    for anno in ones['annotations'] if isinstance(ones, dict) else ones:
        anno['keypoint_score'] = np.ones_like(anno['keypoint_score'])
    with open(out / 'ones.pkl', 'wb') as f:
        pickle.dump(ones, f)
    dumps = []
    for ann_file in (pose, str(out / 'ones.pkl')):
        work = out / osp.basename(ann_file).split('.')[0]
        work.mkdir()
        config = pcan_test_config(repo_root, root, ann_file, work)
        ckpt = str(out / 'random.pth')
        if not osp.isfile(ckpt):
            random_checkpoint(config, ckpt)
        dumps.append(tools_test_dump(repo_root, config, ckpt, work))
    record, plain = dumps[0][0], dumps[1][0]
    name = record['frame_dir'].split('/')[-1]
    annos = data['annotations'] if isinstance(data, dict) else data
    anno = [a for a in annos if a['frame_dir'] == name][0]
    kp, score = anno['keypoint'], anno['keypoint_score']
    np.save(out / 'scored.npy', np.concatenate([kp, score[..., None]], -1))
    np.save(out / 'plain.npy', kp)
    with open(out / 'sample.json', 'w') as f:
        json.dump({k: v.tolist() if isinstance(v, np.ndarray) else v
                   for k, v in anno.items()}, f)
    inputs = {
        'pkl': (pose, record), 'json': (str(out / 'sample.json'), record),
        'npy 2-D + score': (str(out / 'scored.npy'), record),
        'npy 2-D': (str(out / 'plain.npy'), plain),
        'openpose folder': (_ma52_openpose_folder(out / 'openpose', kp,
                                                  score), record)}
    return dict(model=init_model(config, ckpt), inputs=inputs,
                video=str(root / 'raw_videos' / f'{name}.mp4'))


@pytest.mark.parametrize('kind', PCAN_POSES)
def test_pcan_pose_kind_scores_equal_test_dump(pcan, kind):
    source, record = pcan['inputs'][kind]
    result = inference_rgbpose(pcan['model'], pcan['video'], source)
    assert set(result.pred_score) == set(record['pred_score'])
    for key, expected in record['pred_score'].items():
        np.testing.assert_allclose(result.pred_score[key].numpy(),
                                   expected.numpy(), rtol=1e-5, atol=1e-7,
                                   err_msg=f'{kind} {key}')


@pytest.mark.parametrize('method,shape,img_shape', [
    ('stgcn', (1, 48, 17, 2), None), ('stgcn', (1, 48, 17, 2), IMG_SHAPE),
    ('protogcn', (2, 40, 25, 3), None)])
def test_documented_npy_commands_run(method, shape, img_shape, repo_root,
                                     tmp_path):
    """The commands of the issue report: a COCO (1, 48, 17, 2) array on the
    ST-GCN demo (with and without --img-shape), an NTU (2, 40, 25, 3) one
    on the ProtoGCN tiny config."""
    config = METHODS[method][0]
    ckpt = random_checkpoint(config, str(tmp_path / 'random.pth'))
    kp = np.random.default_rng(0).uniform(1, 300, shape).astype(np.float32)
    np.save(tmp_path / 'kp.npy', kp)
    args = [config, ckpt, str(tmp_path / 'kp.npy'), '--out-json',
            str(tmp_path / 'out.json')]
    if img_shape:
        args += ['--img-shape', *map(str, img_shape)]
    proc = run_infer(repo_root, *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(tmp_path / 'out.json') as f:
        assert len(json.load(f)['predictions']) == 4


@pytest.mark.parametrize('score,given,expected', [
    (True, None, 'ones'), (True, 'scores', 'scores'),
    (False, 'scores', None), (False, None, None), (True, 'in xy', 'scores')])
def test_scores_become_what_the_model_declares(score, given, expected):
    from mmaction2_ext.apis.inference import _scores_as_declared
    from mmaction2_ext.apis.model_input import ModelInput
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 9, (1, 4, 17, 2)).astype(np.float32)
    scores = rng.uniform(0.1, 1, (1, 4, 17)).astype(np.float32)
    anno = dict(keypoint=kp)
    if given == 'scores':
        anno['keypoint_score'] = scores
    elif given == 'in xy':
        anno['keypoint'] = np.concatenate([kp, scores[..., None]], -1)
    _scores_as_declared(anno, ModelInput('keypoints', 'coco', score))
    np.testing.assert_array_equal(anno['keypoint'], kp)
    want = dict(ones=np.ones_like(scores), scores=scores).get(expected)
    if want is None:
        assert 'keypoint_score' not in anno
    else:
        np.testing.assert_array_equal(anno['keypoint_score'], want)


def test_model_input_refuses_a_bad_declaration():
    from mmaction2_ext.apis.model_input import ModelInput
    with pytest.raises(ValueError, match='kind'):
        ModelInput('video', 'coco')
    with pytest.raises(ValueError, match='layout'):
        ModelInput('keypoints', 'coco_new')  # a graph, not a data layout
    with pytest.raises(ValueError, match='2-D'):
        ModelInput('keypoints', 'nturgb+d', score=True)
