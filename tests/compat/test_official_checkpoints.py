"""Official checkpoints (../shared/specs/keys) load strictly and silently
through the path tools/test.py takes (Runner.load_checkpoint); the configs'
own partial inits (PCAN's merged RGB+Pose model, HAAN's two shipped modules)
load with a summary, and unrelated weights are refused."""
import json
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmaction.registry import MODELS
from mmaction2_ext.apis import build_runner
from mmaction2_ext.compat import CheckpointError
from mmaction2_ext.models.localizers.haan_checkpoint import \
    convert_official_haan
from mmaction2_ext.models.utils.rgbpose_merge import merge_rgbpose_pretrained

MODEL_KEYS = {
    'pcan_model_keys.json': 'configs/pcan/pcan_rgbpose_ma52.py',
    'miga_model_keys_joint.json':
    'configs/miga/slowonly_r50-emb20_2xb16-u48-100e_imigue-keypoint.py',
    'protogcn_ntu60_xsub_j_keys.json': 'configs/protogcn/ntu60_xsub/j.py',
    'haan_finegym_keys.json': 'configs/haan/haan_1xb2-200e_finegym-i3d.py',
    'haan_fineaction_keys.json':
    'configs/haan/haan_1xb2-50e_fineaction-i3d.py',
}
HEAD_KEYS = {'pcan_head_keys.json': 'pcan_model_keys.json',
             'miga_head_keys.json': 'miga_model_keys_joint.json'}
HAAN_MAPPINGS = {'finegym': 'FineGym', 'fineaction': 'FineAction'}


def _config(repo_root, upstream_dir, name, work_dir):
    cfg = Config.fromfile(osp.join(repo_root, name))
    cfg.work_dir, cfg.launcher = str(work_dir), 'none'
    if cfg.model.type == 'HAAN':
        dataset = next(v for k, v in HAAN_MAPPINGS.items() if k in name)
        cfg.model.fine_to_coarse = osp.join(
            upstream_dir, 'haan', 'dataset', dataset,
            'fine_to_coarse_mappings.json')
    return cfg


def _official_state(path):
    with open(path) as f:
        keys = json.load(f)
    if '_meta' in keys:  # HAAN: one entry per official .pkl file
        keys = {f'{module}.{k}': shape for module, sub in keys.items()
                if module != '_meta' for k, shape in sub.items()}
    return {k: torch.zeros(shape, dtype=torch.long if
                           k.endswith('num_batches_tracked') else None)
            for k, shape in keys.items()}


def _load_like_test_py(cfg, ckpt):
    """What tools/test.py does before testing: load_from, then load."""
    cfg.load_from = str(ckpt)
    runner = build_runner(cfg)
    runner.load_or_resume()
    return runner


def test_every_key_list_is_covered(spec_keys_dir):
    assert sorted(os.listdir(spec_keys_dir)) == sorted([*MODEL_KEYS,
                                                        *HEAD_KEYS])
    for head, model in HEAD_KEYS.items():
        with open(osp.join(spec_keys_dir, head)) as f:
            head_keys = json.load(f)
        with open(osp.join(spec_keys_dir, model)) as f:
            model_keys = json.load(f)
        assert {f'cls_head.{k}': v for k, v in head_keys.items()}.items() \
            <= model_keys.items()


@pytest.mark.parametrize('keys', sorted(MODEL_KEYS))
def test_official_checkpoint_loads_silently(keys, spec_keys_dir, upstream_dir,
                                            repo_root, tmp_path, capfd):
    state = _official_state(osp.join(spec_keys_dir, keys))
    ckpt = tmp_path / 'official.pth'
    torch.save({'state_dict': state, 'meta': {}}, ckpt)
    cfg = _config(repo_root, upstream_dir, MODEL_KEYS[keys], tmp_path / 'w')
    capfd.readouterr()
    runner = _load_like_test_py(cfg, ckpt)
    log = ''.join(capfd.readouterr())
    assert f'Load checkpoint from {ckpt}' in log
    for noise in ('missing keys', 'unexpected key', 'partial load',
                  'do not match', 'size mismatch'):
        assert noise not in log, log[-3000:]
    loaded = runner.model.state_dict()
    assert all(not loaded[k].any() for k in state)


def test_pcan_loads_the_merged_init_and_refuses_others(
        repo_root, upstream_dir, tmp_path, capfd, reliability):
    cfg = _config(repo_root, upstream_dir, 'configs/pcan/pcan_rgbpose_ma52.py',
                  tmp_path / 'w')
    single = [MODELS.build(Config.fromfile(osp.join(
        repo_root, 'configs/pcan', f'{stream}-only_slowonly-r50_{name}.py'))
        .model).state_dict() for stream, name in (
            ('rgb', '1xb12-8x1x1-18e_ma52-rgb'),
            ('pose', '1xb16-32x1x1-18e_ma52-keypoint'))]
    target = {k: v.shape for k, v in MODELS.build(cfg.model)
              .state_dict().items()}
    merged, missing = merge_rgbpose_pretrained(*single, target)
    torch.save({'state_dict': merged}, tmp_path / 'init.pth')
    capfd.readouterr()
    runner = _load_like_test_py(cfg, tmp_path / 'init.pth')
    log = ''.join(capfd.readouterr())
    found = sum(not k.endswith('num_batches_tracked') for k in merged)
    shown = [k for k in missing if not k.endswith('num_batches_tracked')]
    assert (f'partial load of {tmp_path / "init.pth"}: {found}/{found} of '
            f'the model weights found; {len(shown)} optional missing') in log
    key = 'backbone.rgb_path.layer3.0.conv2.conv.weight'
    assert torch.equal(runner.model.state_dict()[key], merged[key])

    unrelated = tmp_path / 'unrelated.pth'
    torch.save({'state_dict': single[1]}, unrelated)
    with pytest.raises(CheckpointError) as info:
        _load_like_test_py(cfg, unrelated)
    assert str(info.value).startswith(f'{unrelated} does not fit the model')
    reliability.record('checkpoint', 'unrelated checkpoint for a config with '
                       'load_partial patterns (PCAN)', str(info.value))


def test_haan_loads_the_two_shipped_modules(repo_root, upstream_dir,
                                            tmp_path, capfd):
    cfg = _config(repo_root, upstream_dir,
                  'configs/haan/haan_1xb2-200e_finegym-i3d.py', tmp_path / 'w')
    model = MODELS.build(cfg.model)
    official = tmp_path / 'pre-trained'
    official.mkdir()
    for module in ('encoder', 'fine_level_classifier'):
        torch.save(getattr(model, module).state_dict(),
                   official / f'{module}.pkl')
    convert_official_haan(str(official), str(tmp_path / 'haan.pth'))
    capfd.readouterr()
    runner = _load_like_test_py(cfg, tmp_path / 'haan.pth')
    assert '8 optional missing: pseudo_label_classifier.' in \
        ''.join(capfd.readouterr())
    key = 'encoder.out_layer.weight'
    assert torch.equal(runner.model.state_dict()[key],
                       model.state_dict()[key])
