"""Test a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--dump result.pkl]``.

Same flags as mmaction2's tools/test.py; ``--dump`` writes the per-sample
prediction dicts in dataset order.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from cli_args import (CfgOptions, add_data_root, apply_data_root,  # noqa: E402
                      cfg_options)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='dir for the metrics and logs')
    parser.add_argument('--dump', type=str,
                        help='dump predictions to a pickle file')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptions,
        help='override config settings, key=value')
    parser.add_argument('--show-dir', help='dir to save visualizations')
    parser.add_argument('--show', action='store_true',
                        help='show predictions in a window')
    parser.add_argument('--interval', type=int, default=1,
                        help='visualize every this many samples')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='seconds each window is shown')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='fully unpickle the checkpoint (trusted only)')
    parser.add_argument(
        '--load-partial', action='store_true',
        help='load a checkpoint that does not fit the model (missing or '
        'reshaped weights keep their init; a summary is logged)')
    add_data_root(parser)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args):
    """Fold the command-line flags into the config, as mmaction2 does."""
    from mmaction2_ext.apis import merge_options
    merge_options(apply_data_root(cfg, args), args.cfg_options)
    if args.show or args.show_dir is not None:
        check_visualization(cfg, args.config)
        cfg.default_hooks.visualization.update(
            enable=True, show=args.show, wait_time=args.wait_time,
            out_dir=args.show_dir, interval=args.interval)
    if args.dump is not None:
        dump = dict(type='SafeDumpResults', out_file_path=args.dump)
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = [*evaluators, dump]
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.load_partial:
        cfg.load_partial = True
    cfg.load_from = args.checkpoint
    return cfg


def check_visualization(cfg, config):
    """What mmaction2's --show/--show-dir need: a VisualizationHook in
    ``default_hooks`` and a ``visualizer``."""
    from mmaction2_ext.apis import ConfigError
    from mmaction2_ext.apis.model_input import refuse_stock_visualization
    refuse_stock_visualization(cfg, config)
    if 'visualization' not in cfg.get('default_hooks', {}):
        raise ConfigError(
            f'{config}: --show/--show-dir need default_hooks.visualization='
            'dict(type="VisualizationHook") in the config')
    if cfg.get('visualizer') is None:
        raise ConfigError(f'{config}: --show/--show-dir need a visualizer, '
                          'e.g. visualizer=dict(type="ActionVisualizer")')


def main(args):
    import mmaction2_ext  # noqa: F401  (stack repairs before mmengine runs)
    from mmaction2_ext.apis import (build_runner, check_launcher,
                                    check_suffix, config_errors, load_config,
                                    prepare_work_dir, trust_checkpoints)
    args.cfg_options = cfg_options(args.cfg_options)
    if args.dump is not None:
        check_suffix('--dump', args.dump, ('.pkl', '.pickle'))
    check_launcher(args.launcher)
    if args.trust_checkpoint:
        trust_checkpoints()
    cfg = load_config(args.config)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint} does not exist')
    cfg = merge_args(cfg, args)
    prepare_work_dir(cfg.work_dir)
    with config_errors(args.config, args.cfg_options):
        build_runner(cfg).test()


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before the heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
