"""tools/analysis/print_config.py and get_flops.py on the tiny configs."""
import re
import sys
import time

import pytest
import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config
from torch import nn

from mmaction.registry import MODELS
from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset
from mmaction2_ext.engine import upgrade_config
from mmaction2_ext.engine.safety import SAFETY_HOOKS
from helpers import warm_python

GCN = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'
PCAN = 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py'
MIGA = 'configs/miga/slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint.py'
HAAN = 'configs/haan/haan_1xb4-10e_synthetic-feat.py'


def _tool(name, *args, env, repo_root, check=True):
    proc = warm_python.run(
        [sys.executable, f'tools/analysis/{name}.py', *args], cwd=repo_root,
        env=dict(env, OMP_NUM_THREADS='1'), capture_output=True, text=True,
        timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _clip_step(pipeline):
    return next(s for s in pipeline if 'clip_len' in s)


def _expected_shapes(cfg):
    """One val clip, sizes read here from the config's own values."""
    if cfg.model.type == 'HAAN':
        return [(1, cfg.dataset.max_clips_per_video, cfg.dataset.feature_size)]
    if cfg.model.type == 'MMRecognizer3D':
        side, pose_side = cfg.img_scale, int(cfg.img_scale *
                                             cfg.heatmap.scaling)
        return [(1, 1, 3, cfg.clip_len.RGB, side, side),
                (1, 1, 28, cfg.clip_len.Pose, pose_side, pose_side)]
    pipeline = cfg.val_dataloader.dataset.pipeline
    clip_len = _clip_step(pipeline)['clip_len']
    if cfg.model.type == 'RecognizerGCN':  # COCO: 17 joints, (x, y, score)
        persons = next(s for s in pipeline
                       if s.type == 'FormatGCNInput').num_person
        return [(1, 1, persons, clip_len, 17, 3)]
    w, h = next(s for s in pipeline if s.type == 'Resize').scale
    return [(1, 1, cfg.model.backbone.in_channels, clip_len, h, w)]


class _Whole(nn.Module):
    """The model's full tensor forward, set up here independently."""

    def __init__(self, model, multi_input):
        super().__init__()
        self.model, self.multi_input = model, multi_input

    def forward(self, *x):
        if self.multi_input:
            return self.model.extract_feat(
                dict(imgs=x[0], heatmap_imgs=x[1]), stage='head')[0]
        if hasattr(self.model, 'extract_feat'):
            return self.model.extract_feat(x[0], stage='head')[0]
        return self.model(x[0], None, mode='tensor')


@pytest.mark.parametrize('config', [GCN, PCAN, MIGA, HAAN])
def test_get_flops_matches_mmengine(config, tmp_path, tool_env, repo_root):
    cfg = Config.fromfile(f'{repo_root}/{config}')
    options = []
    if cfg.model.type == 'HAAN':
        info = make_haan_dataset(str(tmp_path / 'haan'), seed=0)
        cfg.model.fine_to_coarse = info['fine_to_coarse']
        options = ['--cfg-options',
                   f'model.fine_to_coarse={info["fine_to_coarse"]}']
    out = _tool('get_flops', config, *options, env=tool_env,
                repo_root=repo_root).stdout
    shapes = _expected_shapes(cfg)
    assert f'input shape: {", ".join(map(str, shapes))}' in out
    flops = int(re.search(r'^flops: .* \((\d+)\)$', out, re.M).group(1))
    params = int(re.search(r'^params: .* \((\d+)\)$', out, re.M).group(1))

    model = MODELS.build(cfg.model).eval()
    direct = get_model_complexity_info(
        _Whole(model, len(shapes) == 2),
        inputs=tuple(torch.rand(s) for s in shapes), show_table=False,
        show_arch=False)
    assert flops > 0
    assert flops == int(direct['flops'])
    assert params == direct['params'] == sum(p.numel()
                                             for p in model.parameters())


def test_get_flops_explicit_shape_and_missing_shape(tmp_path, tool_env,
                                                    repo_root, reliability):
    small = _tool('get_flops', GCN, '--shape', '1', '1', '2', '8', '17', '3',
                  env=tool_env, repo_root=repo_root).stdout
    assert 'input shape: (1, 1, 2, 8, 17, 3)' in small
    flops = int(re.search(r'^flops: .* \((\d+)\)$', small, re.M).group(1))
    cfg = Config.fromfile(f'{repo_root}/{GCN}')
    [shape] = _expected_shapes(cfg)
    model = MODELS.build(cfg.model).eval()
    full = get_model_complexity_info(_Whole(model, False),
                                     inputs=(torch.rand(shape), ),
                                     show_table=False, show_arch=False)
    assert 0 < flops < full['flops']  # 8 of 32 frames

    info = make_haan_dataset(str(tmp_path / 'haan'), seed=0)
    proc = _tool('get_flops', HAAN, '--cfg-options',
                 f'model.fine_to_coarse={info["fine_to_coarse"]}',
                 'val_dataloader.dataset.max_clips_per_video=None',
                 env=tool_env, repo_root=repo_root, check=False)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr[-2000:]
    assert lines[0].startswith(f'error: {HAAN}') and '--shape' in lines[0]
    reliability.record('CLI', 'get_flops: no input shape in the config',
                       lines[0])


def test_print_config_resolves_bases_and_options(tool_env, repo_root):
    out = _tool('print_config', MIGA, '--cfg-options',
                'train_cfg.max_epochs=3', 'model.cls_head.num_classes=7',
                env=tool_env, repo_root=repo_root).stdout
    cfg = Config.fromfile(f'{repo_root}/{MIGA}')
    assert cfg.train_cfg.max_epochs != 3
    cfg.merge_from_dict({'train_cfg.max_epochs': 3,
                         'model.cls_head.num_classes': 7})
    # the toolbox's configs select its runner, checkpoint hook and safety
    # hooks themselves: the tools add nothing
    assert upgrade_config(cfg) == []
    assert out == f'Config:\n{cfg.pretty_text}\n'
    assert "runner_type = 'SafeRunner'" in out
    assert 'default_scope' in out  # from the _base_ runtime


def test_print_config_shows_what_the_tools_run(tmp_path, tool_env,
                                               repo_root):
    """A config written for stock mmaction2 (stock CheckpointHook, Runner,
    no custom hooks): print_config shows what tools/train.py runs and logs,
    and says what the toolbox changed."""
    config = tmp_path / 'stock.py'
    config.write_text(
        f"_base_ = {repo_root + '/' + GCN!r}\n"
        "runner_type = 'Runner'\ncustom_hooks = []\n"
        "default_hooks = dict(checkpoint=dict(type='CheckpointHook'))\n"
        "train_dataloader = dict(num_workers=0, persistent_workers=True)\n")
    out = _tool('print_config', str(config), env=tool_env,
                repo_root=repo_root).stdout
    printed, added = out.split('Added by the toolbox')
    shown = Config.fromstring(printed[len('Config:\n'):], '.py')
    assert shown.runner_type == 'SafeRunner'
    assert shown.default_hooks.checkpoint.type == 'SafeCheckpointHook'
    assert shown.train_dataloader.persistent_workers is False
    assert [h.type for h in shown.custom_hooks] == SAFETY_HOOKS
    for what in ('runner_type', 'default_hooks.checkpoint', 'custom_hooks',
                 'train_dataloader.persistent_workers'):
        assert f'\n- {what}: ' in added, what


@pytest.mark.parametrize('name', ['print_config', 'get_flops'])
def test_help_and_bad_arguments_answer_fast(name, tool_env, repo_root,
                                            reliability):
    start = time.perf_counter()
    assert 'usage:' in _tool(name, '--help', env=tool_env,
                             repo_root=repo_root).stdout
    proc = _tool(name, 'configs/nope.py', '--cfg-options', 'max_epochs',
                 env=tool_env, repo_root=repo_root, check=False)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith('--cfg-options max_epochs: expected '
                                        'key=value')
    assert elapsed < 10, elapsed  # loose: no torch / mmaction import
    proc = _tool(name, 'configs/nope.py', env=tool_env, repo_root=repo_root,
                 check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == \
        'error: config file configs/nope.py does not exist'
    if name == 'get_flops':
        reliability.record('CLI', 'analysis tool: config that does not exist',
                           proc.stderr.strip())
