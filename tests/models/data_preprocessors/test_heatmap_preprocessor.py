"""On-device heatmaps (PackPoseKeypoints + HeatmapDataPreprocessor) against the
stock CPU path (GeneratePoseTarget -> FormatShape -> PackActionInputs ->
ActionDataPreprocessor / MultiModalDataPreprocessor), and the torch renderer
against the numpy FastGeneratePoseTarget."""
import numpy as np
import pytest
import torch
from mmaction.datasets.transforms.formatting import FormatShape, PackActionInputs
from mmaction.datasets.transforms.pose_transforms import GeneratePoseTarget
from mmaction.registry import MODELS
from mmengine.dataset import pseudo_collate
from mmengine.model import BaseDataPreprocessor

from mmaction2_ext.datasets.transforms.formatting import PackPoseKeypoints
from mmaction2_ext.datasets.transforms.heatmaps import FastGeneratePoseTarget
from mmaction2_ext.models.utils.heatmaps import PoseHeatmapRenderer
from mmaction2_ext.utils import DataError
from helpers.heatmap_cases import (DEGENERATE, LAYOUTS, MODES, degenerate_sample,
                                    heatmap_summary, make_sample)


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason='needs CUDA')
COCO_FLIP = dict(left_kp=(1, 3, 5, 7, 9, 11, 13, 15),
                 right_kp=(2, 4, 6, 8, 10, 12, 14, 16))


def clip_sample(rng, num_person, clips, clip_len, num_kp, img_shape):
    sample = make_sample(rng, num_person, clips * clip_len, num_kp, img_shape)
    sample.update(num_clips=clips, clip_len=clip_len, label=1)
    return sample


def stock_batch(samples, cfg, data_pre):
    packed = []
    for s in samples:
        r = GeneratePoseTarget(**cfg)(dict(s))
        r = FormatShape('NCTHW_Heatmap')(r)
        packed.append(PackActionInputs()(r))
    return data_pre(pseudo_collate(packed))['inputs']


def ours_batch(samples, cfg, inner=None, device='cpu'):
    pre = to_device(MODELS.build(dict(type='HeatmapDataPreprocessor',
                                      heatmap=cfg, preprocessor=inner)),
                    device)
    packed = [PackPoseKeypoints()(dict(s)) for s in samples]
    return pre(pseudo_collate(packed))['inputs']


def to_device(pre, device):
    """Move a preprocessor and the one it wraps, as a model's ``.to()``
    does (mmengine's BaseModel.to moves every BaseDataPreprocessor)."""
    for module in pre.modules():
        if isinstance(module, BaseDataPreprocessor):
            module.to(device)
    return pre


@pytest.mark.parametrize('mode', range(3))
@pytest.mark.parametrize('double,use_score,num_kp', [
    (False, True, 17), (True, True, 22), (True, False, 28)])
def test_device_pipeline_matches_stock(mode, double, use_score, num_kp):
    rng = np.random.default_rng(mode * 10 + num_kp)
    # persons 2 and 1: the second sample is padded, also with use_score=False
    samples = [clip_sample(rng, m, 2, 3, num_kp, (24, 21)) for m in (2, 1)]
    cfg = dict(LAYOUTS[num_kp], use_score=use_score, double=double,
               **MODES[mode])
    data_pre = MODELS.build(dict(type='ActionDataPreprocessor',
                                 format_shape='NCTHW'))
    ref = stock_batch(samples, cfg, data_pre)
    ours = ours_batch(samples, cfg)
    assert ours.shape == ref.shape == (2, 4 if double else 2,
                                       ref.shape[2], 3, 24, 21)
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-5)
    assert ref.max() > 0.5


def test_rgbpose_multimodal_matches_stock():
    rng = np.random.default_rng(7)
    samples = []
    for m in (1, 2):
        s = clip_sample(rng, m, 1, 4, 28, (64, 48))
        s['keypoint'] *= 4  # image pixels; heatmaps at scaling 0.25
        s.update(clip_len=dict(RGB=2, Pose=4),
                 imgs=rng.integers(0, 255, (2, 64, 48, 3)).astype(np.float32))
        samples.append(s)
    cfg = dict(LAYOUTS[28], sigma=0.7, scaling=0.25)
    inner = dict(type='MultiModalDataPreprocessor', preprocessors=dict(
        imgs=dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
                  std=[58.395, 57.12, 57.375], format_shape='NCTHW'),
        heatmap_imgs=dict(type='ActionDataPreprocessor')))
    ref_packed = []
    for s in samples:
        r = GeneratePoseTarget(**cfg)(dict(s))
        r = FormatShape('NCTHW')(r)
        ref_packed.append(PackActionInputs(
            collect_keys=('imgs', 'heatmap_imgs'))(r))
    ref = MODELS.build(inner)(pseudo_collate(ref_packed))['inputs']
    pre = MODELS.build(dict(type='HeatmapDataPreprocessor', heatmap=cfg,
                            preprocessor=inner))
    packed = [PackPoseKeypoints(collect_keys=('imgs', ))(
        FormatShape('NCTHW')(dict(s))) for s in samples]
    ours = pre(pseudo_collate(packed))['inputs']
    assert ours['heatmap_imgs'].shape == ref['heatmap_imgs'].shape == (
        2, 1, 28, 4, 16, 12)
    torch.testing.assert_close(ours['heatmap_imgs'], ref['heatmap_imgs'],
                               rtol=0, atol=1e-5)
    torch.testing.assert_close(ours['imgs'], ref['imgs'])


@needs_cuda
@pytest.mark.parametrize('mode', range(3))
@pytest.mark.parametrize('double,use_score,num_kp', [
    (False, True, 17), (True, False, 28)])
def test_cuda_render_matches_stock_cpu(mode, double, use_score, num_kp):
    """The preprocessor on CUDA (as a model on the GPU holds it) gives
    what stock GeneratePoseTarget gives on the CPU, padded persons and the
    flipped copy included."""
    rng = np.random.default_rng(40 + mode * 10 + num_kp)
    samples = [clip_sample(rng, m, 2, 3, num_kp, (24, 21)) for m in (2, 1)]
    cfg = dict(LAYOUTS[num_kp], use_score=use_score, double=double,
               **MODES[mode])
    ref = stock_batch(samples, cfg, MODELS.build(dict(
        type='ActionDataPreprocessor', format_shape='NCTHW')))
    ours = ours_batch(samples, cfg, device='cuda')
    assert ours.is_cuda
    torch.testing.assert_close(ours.cpu(), ref, rtol=0, atol=1e-5)
    assert ref.max() > 0.5


def degenerate_and_normal(case, seed):
    """A 28-joint sample with (almost) nothing to draw and a normal one of
    the same image shape and clip length (one batch)."""
    empty = degenerate_sample(case, 28)
    normal = make_sample(np.random.default_rng(seed), 2, 3, 28,
                         empty['img_shape'])
    num_t = empty['keypoint'].shape[1]
    for key in ('keypoint', 'keypoint_score'):
        normal[key] = normal[key][:, :num_t]
    return empty, normal


@needs_cuda
@pytest.mark.parametrize('case', DEGENERATE)
def test_cuda_render_matches_cpu_on_degenerate_samples(case):
    """Samples with nothing (or almost nothing) to draw, next to a normal
    one: the preprocessor on CUDA renders what it renders on the CPU."""
    for mode, double in [(0, False), (2, True)]:
        cfg = dict(LAYOUTS[28], double=double, **MODES[mode])
        empty, normal = degenerate_and_normal(case, seed=mode)
        cpu = ours_batch([empty, normal], cfg)
        cuda = ours_batch([empty, normal], cfg, device='cuda')
        assert cuda.is_cuda
        torch.testing.assert_close(cuda.cpu(), cpu, rtol=0, atol=1e-5)


@pytest.mark.parametrize('mode', range(3))
def test_torch_renderer_matches_numpy(mode):
    """Renderer on raw tensors vs FastGeneratePoseTarget, incl. scaling."""
    rng = np.random.default_rng(mode)
    sample = make_sample(rng, 2, 5, 17, (40, 36))
    cfg = dict(sigma=0.8, scaling=0.5, double=True, **MODES[mode])
    ref = FastGeneratePoseTarget(**cfg)(dict(sample))['imgs']
    kp = torch.from_numpy(sample['keypoint'])[None, None]
    score = torch.from_numpy(sample['keypoint_score'])[None, None]
    ours = PoseHeatmapRenderer(**cfg)(kp, score, (40, 36))
    # (1, 2, C, T, H, W) -> (2T, C, H, W) as the numpy transform lays it out
    ours = ours[0].transpose(1, 2).reshape(ref.shape)
    np.testing.assert_allclose(ours.numpy(), ref, rtol=0, atol=1e-5)


def test_pack_checks_input():
    rng = np.random.default_rng(3)
    s = clip_sample(rng, 1, 2, 3, 17, (20, 20))
    packed = PackPoseKeypoints()(dict(s))
    assert packed['inputs']['keypoint'].shape == (2, 1, 3, 17, 2)
    assert packed['inputs']['keypoint_score'].dtype == torch.float32
    with pytest.raises(DataError, match="sample_0.*'keypoint'.*num_clips=4"):
        PackPoseKeypoints()(dict(s, num_clips=4))
    s['keypoint'][0, 1, 2] = np.inf
    s['keypoint_score'][0, 1, 2] = 0.9
    with pytest.raises(DataError, match='non-finite'):
        PackPoseKeypoints()(dict(s))
    with pytest.raises(ValueError, match='img_shape'):
        PackPoseKeypoints(meta_keys=('img_key', ))


def test_batch_needs_one_heatmap_size(reliability):
    rng = np.random.default_rng(4)
    samples = [clip_sample(rng, 1, 1, 2, 17, hw) for hw in ((20, 20), (20, 24))]
    with pytest.raises(DataError, match="'img_shape'.*one img_shape") as err:
        ours_batch(samples, dict())
    reliability.record('drop-in', 'HeatmapDataPreprocessor: one batch, two '
                       'img_shape', str(err.value))


def test_pack_double_asks_for_the_flipped_copy(reliability):
    """PackPoseKeypoints(double=True) gives stock's double=True heatmaps
    with a preprocessor configured without it; a batch mixing both asks is
    refused."""
    rng = np.random.default_rng(6)
    samples = [clip_sample(rng, m, 2, 3, 17, (20, 22)) for m in (1, 2)]
    cfg = dict(sigma=0.6, **COCO_FLIP)
    pre = MODELS.build(dict(type='HeatmapDataPreprocessor', heatmap=cfg))
    packed = [PackPoseKeypoints(double=True)(dict(s)) for s in samples]
    ours = pre(pseudo_collate(packed))['inputs']
    ref = stock_batch(samples, dict(cfg, double=True), MODELS.build(
        dict(type='ActionDataPreprocessor', format_shape='NCTHW')))
    assert ours.shape == ref.shape == (2, 4, 17, 3, 20, 22)
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-5)
    packed[1] = PackPoseKeypoints()(dict(samples[1]))
    with pytest.raises(DataError, match="'heatmap_double'") as err:
        pre(pseudo_collate(packed))
    reliability.record('drop-in', 'HeatmapDataPreprocessor: one batch, some '
                       'samples packed with double=True', str(err.value))


def test_demo_config_train_and_test_steps(repo_root):
    """The on-device config: its pipelines feed its model (train + 2-clip
    test), heatmaps equal to the stock CPU pipeline's."""
    import os.path as osp
    from mmcv.transforms import Compose
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmaction.registry import TRANSFORMS
    from mmengine.registry import init_default_scope
    from mmaction2_ext.datasets.synthetic.skeleton import make_skeleton_dataset

    init_default_scope('mmaction')  # as the Runner does (default_scope)
    cfg = Config.fromfile(osp.join(
        repo_root, 'configs/demo/'
        'posec3d_tiny_1xb4-u16-2e_synthetic-coco-keypoint-devicehm.py'))
    annos = make_skeleton_dataset('coco', samples_per_class=(1, 1))['annotations']
    base = [dict(a, modality='Pose', start_index=0) for a in annos[:3]]
    model = MODELS.build(cfg.model)
    train = Compose([TRANSFORMS.build(t) for t in cfg.train_pipeline])
    batch = pseudo_collate([train(dict(a)) for a in base])
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    losses = model.train_step(batch, optim)
    assert torch.isfinite(losses['loss_cls'])

    test = Compose([TRANSFORMS.build(t) for t in cfg.test_pipeline])
    batch = pseudo_collate([test(dict(a)) for a in base])
    inputs = model.data_preprocessor(batch)['inputs']
    assert inputs.shape == (3, 2, 17, 16, 32, 32)
    stock = Compose([TRANSFORMS.build(t) for t in cfg.test_pipeline[:-1]] + [
        TRANSFORMS.build(dict(type='GeneratePoseTarget', **cfg.heatmap)),
        TRANSFORMS.build(dict(type='FormatShape', input_format='NCTHW_Heatmap')),
        TRANSFORMS.build(dict(type='PackActionInputs'))])
    ref = torch.stack([stock(dict(a))['inputs'] for a in base])
    torch.testing.assert_close(inputs, ref, rtol=0, atol=1e-5)
    preds = model.test_step(batch)
    assert len(preds) == 3 and preds[0].pred_score.shape == (4, )


def as_stock_layout(heatmaps):
    """(K', C, T, H, W) -> (K' T, C, H, W) as GeneratePoseTarget lays it out."""
    k, c, t, h, w = heatmaps.shape
    return heatmaps.transpose(1, 2).reshape(k * t, c, h, w).numpy()


@pytest.mark.parametrize('case', DEGENERATE)
def test_degenerate_samples_match_stock_on_device(case, reliability):
    """The batch renderer gives stock's (and FastGeneratePoseTarget's)
    output on samples with nothing to draw, next to a normal sample."""
    for mode, double in [(0, False), (1, True), (2, True)]:
        cfg = dict(LAYOUTS[28], double=double, **MODES[mode])
        empty, normal = degenerate_and_normal(case, seed=mode)
        ours = ours_batch([empty, normal], cfg)
        for sample, got in zip((empty, normal), ours):
            ref = GeneratePoseTarget(**cfg)(dict(sample))['imgs']
            fast = FastGeneratePoseTarget(**cfg)(dict(sample))['imgs']
            got = as_stock_layout(got)
            assert got.shape == ref.shape
            np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5)
            np.testing.assert_allclose(got, fast, rtol=0, atol=1e-5)
        if mode == 0:
            seen = heatmap_summary(as_stock_layout(ours[0]),
                                   GeneratePoseTarget(**cfg)(dict(empty))[
                                       'imgs'])
    reliability.record('drop-in', f'HeatmapDataPreprocessor: {case}', seen)


def test_nan_joints_without_use_score_are_an_error(reliability):
    """Unscored NaN joints travel packed; use_score=False would draw them."""
    rng = np.random.default_rng(5)
    samples = [clip_sample(rng, 2, 1, 3, 17, (20, 20)) for _ in range(2)]
    samples[1]['keypoint'][0, 1, 3] = np.nan
    samples[1]['keypoint_score'][0, 1, 3] = 0
    ref = stock_batch(samples, dict(with_limb=True), MODELS.build(
        dict(type='ActionDataPreprocessor', format_shape='NCTHW')))
    torch.testing.assert_close(ours_batch(samples, dict(with_limb=True)), ref,
                               rtol=0, atol=1e-5)
    with pytest.raises(DataError, match=r"sample 1.*'keypoint'.*use_score="
                       r"False") as err:
        ours_batch(samples, dict(use_score=False))
    reliability.record('drop-in', 'HeatmapDataPreprocessor: NaN joint with '
                       'use_score=False', str(err.value))


def test_layout_mismatch_is_named_before_indexing():
    """A skeleton joint past V would index out of range on the device."""
    rng = np.random.default_rng(8)
    samples = [clip_sample(rng, 1, 1, 2, 17, (20, 20))]
    with pytest.raises(DataError, match='skeletons use joint 21'):
        ours_batch(samples, dict(LAYOUTS[22], with_limb=True))
    with pytest.raises(DataError, match='left_kp/right_kp name channel 30'):
        ours_batch(samples, dict(double=True, left_kp=(30, ), right_kp=(1, )))


def test_batch_without_any_person_matches_stock():
    empty = degenerate_sample('zero persons')
    cfg = dict(double=True, with_limb=True)
    ours = ours_batch([empty, dict(empty)], cfg)
    ref = GeneratePoseTarget(**cfg)(dict(empty))['imgs']
    for got in ours:
        np.testing.assert_array_equal(as_stock_layout(got), ref)


@pytest.mark.parametrize('mode', range(3))
def test_flip_lists_that_are_no_permutation_match_stock(mode):
    """Overlapping left/right lists: the mirrored copy cannot be drawn by
    channel permutation, the dense flip of stock is used."""
    rng = np.random.default_rng(9)
    samples = [clip_sample(rng, m, 1, 3, 17, (18, 20)) for m in (2, 1)]
    cfg = dict(double=True, left_kp=(1, 2), right_kp=(2, 3),
               left_limb=(0, 1), right_limb=(1, 2), **MODES[mode])
    ref = stock_batch(samples, cfg, MODELS.build(
        dict(type='ActionDataPreprocessor', format_shape='NCTHW')))
    torch.testing.assert_close(ours_batch(samples, cfg), ref, rtol=0,
                               atol=1e-5)


@pytest.mark.parametrize('mode', range(3))
@pytest.mark.parametrize('double', [False, True])
def test_one_person_batches_match_stock(mode, double):
    """One person per sample: every plane gets at most one Gaussian, which
    the renderer writes with a plain scatter instead of a scatter-max."""
    rng = np.random.default_rng(11 + mode)
    samples = [clip_sample(rng, 1, 2, 3, 17, (22, 20)) for _ in range(3)]
    cfg = dict(double=double, **COCO_FLIP, **MODES[mode])
    ref = stock_batch(samples, cfg, MODELS.build(
        dict(type='ActionDataPreprocessor', format_shape='NCTHW')))
    ours = ours_batch(samples, cfg)
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-5)
    assert ref.max() > 0.5


def test_one_person_separate_limb_channels_match_numpy():
    """Keypoint and limb maps in channels of their own do not share planes
    either (stock has no such option: FastGeneratePoseTarget's is tested
    against stock's layout in test_heatmaps.py)."""
    rng = np.random.default_rng(12)
    samples = [clip_sample(rng, 1, 1, 4, 17, (21, 23)) for _ in range(2)]
    cfg = dict(with_kp=True, with_limb=True, separate_limb_channels=True,
               double=True, **COCO_FLIP)
    for sample, got in zip(samples, ours_batch(samples, cfg)):
        ref = FastGeneratePoseTarget(**cfg)(dict(sample))['imgs']
        np.testing.assert_allclose(as_stock_layout(got), ref, rtol=0,
                                   atol=1e-5)
        assert ref[:, 17:].max() > 0.5  # the limb channels are drawn


def test_rendered_rows_are_the_rows_of_one_batch():
    """render hands on plain per-sample tensors, each (K', C, T, H, W), in
    sample order: the persons of sample i are drawn in row i only."""
    rng = np.random.default_rng(13)
    samples = [clip_sample(rng, m, 2, 3, 17, (20, 22)) for m in (1, 2, 1)]
    batch = pseudo_collate([PackPoseKeypoints()(dict(s)) for s in samples])
    pre = MODELS.build(dict(type='HeatmapDataPreprocessor', heatmap=dict()))
    rows = pre.render(batch['inputs']['keypoint'],
                      batch['inputs']['keypoint_score'], batch['data_samples'])
    assert all(type(row) is torch.Tensor for row in rows)
    for i, row in enumerate(rows):
        alone = pre.render(batch['inputs']['keypoint'][i:i + 1],
                           batch['inputs']['keypoint_score'][i:i + 1],
                           batch['data_samples'][i:i + 1])[0]
        torch.testing.assert_close(row, alone, rtol=0, atol=0)


HEATMAP_MEAN = dict(mean=[0.01 * c for c in range(17)],
                    std=[0.5 + 0.1 * c for c in range(17)])


def blended_samples(rng, multimodal):
    """Three labelled samples (2, 1, 1 persons); RGB+Pose ones with frames."""
    samples = []
    for label, m in enumerate((2, 1, 1)):
        s = clip_sample(rng, m, 1, 4, 17, (20, 22))
        s['label'] = label
        if multimodal:
            s.update(clip_len=dict(RGB=2, Pose=4), imgs=rng.integers(
                0, 255, (2, 20, 22, 3)).astype(np.float32))
        samples.append(s)
    return samples


@pytest.mark.parametrize('multimodal', [False, True])
def test_following_preprocessor_still_normalises_and_blends(multimodal):
    """mean/std and MixupBlending of the preprocessor that follows apply to
    the rendered batch it stacks for free: equal to stock heatmaps through
    the same preprocessor, and different from the bare heatmaps."""
    samples = blended_samples(np.random.default_rng(14), multimodal)
    inner = dict(type='ActionDataPreprocessor', format_shape='NCTHW',
                 blending=dict(type='MixupBlending', num_classes=3,
                               alpha=0.2), **HEATMAP_MEAN)
    if multimodal:
        inner = dict(type='MultiModalDataPreprocessor', preprocessors=dict(
            imgs=dict(type='ActionDataPreprocessor', format_shape='NCTHW'),
            heatmap_imgs=inner))
    pre = MODELS.build(dict(type='HeatmapDataPreprocessor', heatmap=dict(),
                            preprocessor=inner))
    stock, packed = [], []
    for s in samples:
        r = GeneratePoseTarget()(dict(s))
        if multimodal:
            stock.append(PackActionInputs(collect_keys=(
                'imgs', 'heatmap_imgs'))(FormatShape('NCTHW')(r)))
            packed.append(PackPoseKeypoints(collect_keys=('imgs', ))(
                FormatShape('NCTHW')(dict(s))))
        else:
            stock.append(PackActionInputs()(FormatShape('NCTHW_Heatmap')(r)))
            packed.append(PackPoseKeypoints()(dict(s)))
    torch.manual_seed(0)
    ref = MODELS.build(inner)(pseudo_collate(stock), training=True)
    torch.manual_seed(0)
    ours = pre(pseudo_collate(packed), training=True)
    ref_in, ours_in = ref['inputs'], ours['inputs']
    if multimodal:
        torch.testing.assert_close(ours_in['imgs'], ref_in['imgs'])
        ref_in, ours_in = ref_in['heatmap_imgs'], ours_in['heatmap_imgs']
    torch.testing.assert_close(ours_in, ref_in, rtol=0, atol=1e-5)
    bare = ours_batch(samples, dict())
    assert (ours_in - bare.reshape(ours_in.shape)).abs().max() > 0.1
    for r, o in zip(ref['data_samples'], ours['data_samples']):
        torch.testing.assert_close(o.gt_label, r.gt_label)  # mixed labels


@pytest.mark.parametrize('offset', [(1., 0.), (0., -1.), (0.6, 0.8),
                                    (0.99, 0.), (1.01, 0.)])
def test_limbs_about_a_pixel_long_match_stock(offset):
    """Stock draws a limb shorter than 1 pixel as its start joint and one of
    exactly 1 pixel as a line (different value and extent): both sides."""
    rng = np.random.default_rng(5)
    sample = clip_sample(rng, 1, 1, 2, 17, (20, 22))
    kp, score = sample['keypoint'], sample['keypoint_score']
    kp[0, :, 0] = (9.5, 7.25)
    kp[0, :, 1] = kp[0, :, 0] + np.float32(offset)
    score[0, :, :2] = (0.9, 0.4)  # start and min differ
    cfg = dict(with_kp=False, with_limb=True, **COCO_FLIP)
    ref = stock_batch([sample], cfg, MODELS.build(
        dict(type='ActionDataPreprocessor', format_shape='NCTHW')))
    torch.testing.assert_close(ours_batch([sample], cfg), ref, rtol=0,
                               atol=1e-5)
