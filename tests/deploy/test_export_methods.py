"""ONNX export of every method (tiny configs, random weights): ONNX Runtime
gives PyTorch's predictions within 1e-4 on the config's test inputs, on
inputs of another batch size / clip count / clip length / person count,
on a real MA-52 clip (PCAN), and PCAN's equal ``tools/test.py --dump``."""
import re

import numpy as np
import pytest
import torch

from mmaction2_ext.apis import init_model
from mmaction2_ext.deploy import wrapper_for
from mmaction2_ext.deploy.inputs import example_batch, collated_test_samples

from conftest import CONFIGS, run_export

ATOL = 1e-4


def both_backends(entry, **cfg_options):
    model = init_model(entry['config'], entry['checkpoint'],
                       cfg_options=cfg_options or None)
    onnx = init_model(entry['config'], entry['onnx'],
                      cfg_options=cfg_options or None, backend='onnxruntime')
    return model, onnx


def scores(result):
    """A recognizer result's scores as {name: array} (PCAN: its dict)."""
    score = result.pred_score
    items = score.items() if isinstance(score, dict) else [('', score)]
    return {k: v.numpy() for k, v in items}


def assert_same_results(got, want):
    assert len(got) == len(want) > 0
    for g, w in zip(got, want):
        if isinstance(w, dict):  # HAAN: detections of one video
            assert [(d['label'], d['t_start'], d['t_end'])
                    for d in g['detections']] == \
                [(d['label'], d['t_start'], d['t_end'])
                 for d in w['detections']]
            np.testing.assert_allclose([d['score'] for d in g['detections']],
                                       [d['score'] for d in w['detections']],
                                       atol=ATOL)
            continue
        gs, ws = scores(g), scores(w)
        assert gs.keys() == ws.keys()
        for key in ws:
            np.testing.assert_allclose(gs[key], ws[key], atol=ATOL)
        if not isinstance(w.pred_score, dict):
            assert int(g.pred_label) == int(w.pred_label)


@pytest.mark.parametrize('method', sorted(CONFIGS))
def test_onnx_runtime_equals_pytorch_on_test_inputs(method, exported, ort):
    entry = exported(method)
    found = re.search(r'max \|ONNX Runtime - PyTorch\| = (\S+) on',
                      entry['log'])
    assert found and float(found[1]) <= ATOL, entry['log']
    model, onnx = both_backends(entry)
    batch = collated_test_samples(model.cfg, 3)
    with torch.no_grad():
        want = model.test_step(batch)
    assert_same_results(onnx.test_step(batch), want)


def other_shapes(inputs, wrapper):
    """Inputs of other sizes on every dynamic dim (batch 3, one clip, one
    person, 5 frames fewer), drawn around the real ones."""
    out = []
    for name, x in zip(wrapper.input_names, wrapper.tensors(inputs)):
        shape = list(x.shape)
        for dim, axis in wrapper.axes[name].items():
            shape[dim] = dict(batch=3, clips=1 if shape[dim] > 1 else 3,
                              persons=1, frames=shape[dim] - 5,
                              )[axis]
        gen = torch.Generator().manual_seed(0)
        out.append(torch.randn(shape, generator=gen) * x.std() + x.mean())
    return out


@pytest.mark.parametrize('method', sorted(CONFIGS))
def test_other_batch_and_clip_shapes_than_exported(method, exported, ort):
    entry = exported(method)
    model, onnx = both_backends(entry)
    exported_shapes = [tuple(x.shape) for x in onnx.wrapper.tensors(
        example_batch(model)['inputs'])]
    args = other_shapes(example_batch(model)['inputs'], onnx.wrapper)
    assert [tuple(a.shape) for a in args] != exported_shapes
    inputs = args[0] if len(args) == 1 else dict(
        zip(onnx.wrapper.input_names, args))
    with torch.no_grad():
        want = wrapper_for(model).eval()(*args)
    want = want if isinstance(want, tuple) else (want, )
    got = onnx.run(inputs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.shape[0] == 3
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=ATOL)


@pytest.mark.parametrize('stream', ['b', 'k', 'jm', 'bm', 'km'])
def test_protogcn_streams_share_the_exported_network(stream, exported, ort):
    """Streams are made by the pipeline (GenSkeFeatExt): the j export runs
    them all, equal to PyTorch on each stream's inputs."""
    entry = exported('protogcn')
    model, onnx = both_backends(entry)
    pipeline = model.cfg.test_dataloader.dataset.pipeline
    feats = [dict(t, feats=[stream]) if t['type'] == 'GenSkeFeatExt' else t
             for t in pipeline]
    assert feats != pipeline  # the stream was switched
    model.cfg.test_dataloader.dataset.pipeline = feats
    batch = collated_test_samples(model.cfg, 2)
    with torch.no_grad():
        want = model.test_step(batch)
    assert_same_results(onnx.test_step(batch), want)


def test_haan_video_of_another_length(exported, ort):
    from mmaction2_ext.apis import inference_features
    entry = exported('haan')
    model, onnx = both_backends(entry)
    rng = np.random.default_rng(0)
    for length in (5, 61):  # exported with the test set's lengths (<= 40)
        feats = rng.normal(size=(length, 32)).astype(np.float32)
        feats[length // 3:length // 2] += 3
        want = inference_features(model, feats, 1.5)
        got = inference_features(onnx, feats, 1.5)
        assert_same_results([dict(detections=got)],
                            [dict(detections=want)])
        assert len(want) > 0


def test_pcan_on_a_real_ma52_clip(exported, ort, upstream_dir):
    """A real 1080x1296 MA-52 clip with a synthetic 28-joint pose track
    (no real keypoints are shipped upstream, SOURCES.md)."""
    import decord

    from mmaction2_ext.apis import inference_rgbpose
    from mmaction2_ext.datasets.synthetic.ma52 import sample_keypoints
    video = f'{upstream_dir}/micro-action/ma52_demo/' \
        'B1_nodding__0019_02_0078.mp4'
    reader = decord.VideoReader(video, num_threads=1)
    frames, (height, width) = len(reader), reader[0].shape[:2]
    kp = sample_keypoints(np.random.default_rng(0), 3, frames,
                          min(height, width), 0)
    pose = dict(keypoint=kp, keypoint_score=np.full(kp.shape[:3], .9,
                                                    np.float32),
                img_shape=(height, width))
    model, onnx = both_backends(exported('pcan'))
    want = inference_rgbpose(model, video, pose)
    assert_same_results([inference_rgbpose(onnx, video, pose)], [want])


def test_pcan_scores_equal_the_test_dump(exported, ort, repo_root, tmp_path):
    """The ONNX outputs are the ``pred_score`` dict ``tools/test.py
    --dump`` writes, and ``action`` / ``body`` its fusion (split_score)."""
    from inference_cases import tools_test_dump

    from mmaction2_ext.evaluation.functional.dump import split_score
    entry = exported('pcan')
    dump = tools_test_dump(repo_root, entry['config'], entry['checkpoint'],
                           tmp_path)
    model, onnx = both_backends(entry)
    batch = model.data_preprocessor(
        collated_test_samples(model.cfg, len(dump)), False)
    outputs = dict(zip(onnx.wrapper.output_names, onnx.run(batch['inputs'])))
    for i, record in enumerate(dump):
        for key, value in record['pred_score'].items():
            np.testing.assert_allclose(outputs[key][i].numpy(),
                                       value.numpy(), atol=ATOL)
        action, body = split_score(record['pred_score'])
        np.testing.assert_allclose(outputs['action'][i].numpy(), action,
                                   atol=ATOL)
        np.testing.assert_allclose(outputs['body'][i].numpy(), body,
                                   atol=ATOL)


def test_exported_from_size_one_dims_keeps_them_free(exported, ort,
                                                    repo_root, tmp_path):
    """Exported from one sample of one clip, batch and clips stay free
    (the exporter bakes a size-1 dim of PCAN into its reshapes)."""
    from inference_cases import write_config
    entry = exported('pcan')
    config = write_config(repo_root, entry['config'], tmp_path, **{
        'test_dataloader.dataset.pipeline.0.num_clips': 1})
    onnx_file = str(tmp_path / 'one.onnx')
    proc = run_export(repo_root, config, entry['checkpoint'], '--out',
                      onnx_file, '--samples', '1')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'on imgs (1, 1, 3, 8, 56, 56)' in proc.stdout
    session = ort.InferenceSession(onnx_file)
    assert [i.shape[:2] for i in session.get_inputs()] == [
        ['batch', 'clips']] * 2
    # run on the original config: 2 samples of 2 clips
    model, onnx = both_backends(dict(entry, onnx=onnx_file))
    batch = collated_test_samples(model.cfg, 2)
    with torch.no_grad():
        want = model.test_step(batch)
    assert_same_results(onnx.test_step(batch), want)


def test_dynamic_and_opset_options(exported, ort, repo_root, tmp_path):
    """``--dynamic batch`` fixes the clip count; ``--opset`` is the
    file's; the printed report says both."""
    import onnx

    entry = exported('haan')
    onnx_file = str(tmp_path / 'batch_only.onnx')
    proc = run_export(repo_root, entry['config'], entry['checkpoint'],
                      '--out', onnx_file, '--dynamic', 'batch', '--opset',
                      '17')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'dynamic axes: batch; opset 17' in proc.stdout
    proto = onnx.load(onnx_file)
    assert [o.version for o in proto.opset_import if o.domain == ''] == [17]
    [features] = ort.InferenceSession(onnx_file).get_inputs()
    exported_clips = entry_clips(entry)
    assert features.shape == ['batch', exported_clips, 32]


def entry_clips(entry):
    """Clips of the padded test batch the export was checked on."""
    found = re.search(r'on features \(\d+, (\d+), 32\)', entry['log'])
    return int(found[1])
