"""tools/train.py's flags folded into the config: ``--seed`` (0 included)
and the other randomness flags win over the config, ``--resume`` with and
without a file, ``--cfg-options`` forms (tools/cli_args.py)."""
import importlib.util
import os.path as osp
import sys

import pytest
from mmengine.config import Config


@pytest.fixture(scope='module')
def train_tool(repo_root):
    tools = osp.join(repo_root, 'tools')
    sys.path.insert(0, tools)
    spec = importlib.util.spec_from_file_location(
        'train_tool', osp.join(tools, 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.path.remove(tools)


def _args(train_tool, monkeypatch, *argv):
    monkeypatch.setattr(sys, 'argv', ['train.py', 'cfg.py', *argv])
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    return train_tool.parse_args()


@pytest.mark.parametrize('argv,config,expected', [
    (['--seed', '0'], dict(seed=7), dict(seed=0)),
    (['--seed', '0'], None, dict(seed=0)),
    (['--seed', '5'], dict(seed=7, deterministic=False),
     dict(seed=5, deterministic=False)),
    ([], dict(seed=0), dict(seed=0)),
    ([], None, dict(seed=None)),
    (['--deterministic', '--diff-rank-seed'], dict(seed=3),
     dict(seed=3, deterministic=True, diff_rank_seed=True)),
])
def test_seed_flags_win_over_the_config(argv, config, expected, train_tool,
                                        monkeypatch):
    args = _args(train_tool, monkeypatch, *argv)
    cfg = Config(dict(randomness=config) if config is not None else {})
    train_tool.merge_randomness(cfg, args)
    assert cfg.randomness == expected


@pytest.mark.parametrize('argv,resume,load_from', [
    (['--resume'], True, None),
    (['--resume', 'w/epoch_3.pth'], True, 'w/epoch_3.pth'),
    ([], False, 'init.pth'),
])
def test_resume_with_and_without_a_file(argv, resume, load_from, train_tool,
                                        monkeypatch, tmp_path):
    args = _args(train_tool, monkeypatch, '--work-dir', str(tmp_path),
                 '--local-rank', '0', *argv)
    cfg = train_tool.merge_args(
        Config(dict(resume=False, load_from='init.pth', randomness=None)),
        args)
    assert (cfg.resume, cfg.load_from) == (resume, load_from)
    assert cfg.work_dir == str(tmp_path) and cfg.randomness == dict(seed=None)


def test_cfg_options_keep_falsy_values(train_tool, monkeypatch):
    from cli_args import cfg_options
    args = _args(train_tool, monkeypatch, '--cfg-options',
                 'train_cfg.max_epochs=0', 'model.cls_head.dropout_ratio=0.',
                 'load_from=', 'train_cfg.val_begin=1')
    assert cfg_options(args.cfg_options) == {
        'train_cfg.max_epochs': 0, 'model.cls_head.dropout_ratio': 0.,
        'load_from': '', 'train_cfg.val_begin': 1}
    assert cfg_options([]) is None and cfg_options(None) is None


def test_cfg_option_without_value_is_one_line(train_tool, monkeypatch,
                                              capsys):
    with pytest.raises(SystemExit) as exit_info:
        _args(train_tool, monkeypatch, '--cfg-options', 'a=1', 'seed')
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == (
        "error: --cfg-options 'seed': expected KEY=VALUE, e.g. "
        'train_cfg.max_epochs=3\n')
