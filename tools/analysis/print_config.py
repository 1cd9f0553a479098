"""Print a config with its bases and ``--cfg-options`` resolved, as
tools/train.py and tools/test.py run it.

    python tools/analysis/print_config.py CONFIG [--cfg-options k=v ...]

The tools upgrade every config (safety hooks, SafeCheckpointHook, SafeRunner;
mmaction2_ext/engine/upgrade.py): the config printed is the upgraded one, and
what the upgrade changed is listed after it.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

ADDED_HEADER = ('Added by the toolbox (tools/train.py and tools/test.py '
                'make the same changes; included above):')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='override config settings, key=value')
    args = parser.parse_args()
    check_cfg_options(parser, args.cfg_options)
    return args


def check_cfg_options(parser, pairs):
    """Reject an option without ``=`` before any heavy import."""
    for pair in pairs:
        if '=' not in pair:
            parser.error(f'--cfg-options {pair}: expected key=value')


def main(args):
    from mmaction2_ext.apis import load_config
    from mmaction2_ext.engine import upgrade_config
    cfg = load_config(args.config)
    cfg.merge_from_dict(cfg_options(args.cfg_options))
    notes = upgrade_config(cfg)
    print(f'Config:\n{cfg.pretty_text}')
    if notes:
        print(f'{ADDED_HEADER}\n' + ''.join(f'- {n}\n' for n in notes))



def cfg_options(pairs):
    """``key=value`` strings parsed as mmengine's ``DictAction`` does."""
    from mmengine.config import DictAction
    options = argparse.Namespace(value={})
    DictAction([], 'value')(None, options, pairs)
    return options.value


if __name__ == '__main__':
    args = parse_args()
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(args))
