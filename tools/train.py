"""Train a model from a config: ``python tools/train.py CONFIG [options]``.

Same flags as mmaction2's tools/train.py; runs on CUDA or CPU, single process or
DDP (``tools/dist_train.sh``).
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from cli_args import (CfgOptions, add_data_root, apply_data_root,  # noqa: E402
                      cfg_options)


def parse_args():
    parser = argparse.ArgumentParser(description='Train an action model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint, or (no value) from the latest '
        'checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (GPU only)')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by actual / base batch size')
    parser.add_argument('--seed', type=int, default=None,
                        help='random seed (wins over the config)')
    parser.add_argument('--diff-rank-seed', action='store_true',
                        help='different seeds on different ranks')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic algorithms, cuDNN included '
                        '(wins over the config)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='fully unpickle checkpoints (trusted files only)')
    parser.add_argument(
        '--load-partial', action='store_true',
        help='load a checkpoint that does not fit the model (missing or '
        'reshaped weights keep their init; a summary is logged)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptions,
        help='override config settings, key=value (e.g. '
        'train_dataloader.batch_size=8 model.cls_head.num_classes=52)')
    parser.add_argument(
        '--vis-backend', nargs='+', default=[], metavar='NAME',
        help='also log to tensorboard, mlflow and/or wandb (offline unless '
        'WANDB_MODE is set); needs make tracking-install')
    add_data_root(parser)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args):
    """Fold ``--cfg-options``, then the other flags (which win, as in
    mmaction2) into the config."""
    from mmaction2_ext.apis import ConfigError, check_amp, merge_options
    from mmaction2_ext.engine.tracking import add_vis_backends
    apply_data_root(cfg, args)
    merge_options(cfg, args.cfg_options)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        check_amp()
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ConfigError(f'{args.config}: --amp does not support '
                              f'optim wrapper {wrapper}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
        # stop before training if the runner resumes from anything else
        cfg.custom_hooks = [*(cfg.get('custom_hooks') or []),
                            dict(type='ResumeCheckHook',
                                 checkpoint=args.resume)]
    if args.load_partial:
        cfg.load_partial = True
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    merge_randomness(cfg, args)
    add_vis_backends(cfg, args.vis_backend, args.config)
    return cfg


def merge_randomness(cfg, args):
    """``--seed``, ``--diff-rank-seed`` and ``--deterministic`` win over the
    config's ``randomness``."""
    randomness = {'seed': None, **(cfg.get('randomness') or {})}
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    if args.deterministic:
        randomness['deterministic'] = True
    cfg.randomness = randomness


def main(args):
    import mmaction2_ext  # noqa: F401  (stack repairs before mmengine runs)
    from mmaction2_ext.apis import (build_runner, check_launcher,
                                    config_errors, load_config,
                                    prepare_work_dir, trust_checkpoints)
    args.cfg_options = cfg_options(args.cfg_options)
    if args.trust_checkpoint:
        trust_checkpoints()
    check_launcher(args.launcher)
    cfg = merge_args(load_config(args.config), args)
    prepare_work_dir(cfg.work_dir)
    with config_errors(args.config, args.cfg_options):
        runner = build_runner(cfg)
        runner.logger.info(f'random seed: {runner.seed}, deterministic: '
                           f'{bool(cfg.randomness.get("deterministic"))}')
        runner.train()


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before the heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
