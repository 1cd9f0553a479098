"""Throughput of a config: data-loader samples/s and model ms per iteration.

    python tools/analysis/benchmark.py CONFIG [--phase train test] \
        [--iters 20] [--warmup 5] [--device cpu]

For each phase, the config's dataloader gives ``--warmup`` + ``--iters``
batches (samples/s over the last ``--iters``), then the model runs
``train_step`` (forward, backward, optimizer step) or ``test_step`` (no
grad) on those batches (ms per iteration over the last ``--iters``). The
model is untrained (no checkpoint is needed) and sits where the Runner puts
it: CUDA when present, else the CPU (``--device cpu`` hides the GPUs). The
figures also go to ``<work dir>/benchmark.json``. Time on an idle machine:
other processes slow both parts down.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from cli_args import CfgOptions, cfg_options, check_choices  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('--phase', nargs='+', default=['train', 'test'],
                        help='train and/or test (default: both)')
    parser.add_argument('--iters', type=int, default=20,
                        help='timed iterations (default 20)')
    parser.add_argument('--warmup', type=int, default=5,
                        help='iterations run first, not timed (default 5)')
    parser.add_argument('--device', choices=['auto', 'cpu'], default='auto',
                        help='auto: CUDA when present (default)')
    parser.add_argument('--work-dir', help='logs and benchmark.json '
                        '(default: work_dirs/benchmark/<config name>)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptions,
        help='override config settings, key=value')
    args = parser.parse_args()
    check_choices(parser, '--phase', args.phase, ('train', 'test'))
    for name in ('iters', 'warmup'):
        if getattr(args, name) < (1 if name == 'iters' else 0):
            parser.exit(1, f'error: --{name} must be >= '
                        f'{1 if name == "iters" else 0}\n')
    return args


def main(args):
    if args.device == 'cpu':
        os.environ['CUDA_VISIBLE_DEVICES'] = ''  # before torch sees a GPU
    import json

    import torch

    import mmaction2_ext  # noqa: F401  (stack repairs before mmengine runs)
    from mmaction2_ext.analysis.throughput import benchmark
    from mmaction2_ext.apis import (build_runner, config_errors, load_config,
                                    merge_options, prepare_work_dir)
    from mmaction2_ext.utils import atomic_write
    options = cfg_options(args.cfg_options)
    cfg = merge_options(load_config(args.config), options)
    cfg.work_dir = args.work_dir or osp.join(
        'work_dirs', 'benchmark', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from, cfg.resume = None, False
    prepare_work_dir(cfg.work_dir)
    with config_errors(args.config, options):
        runner = build_runner(cfg)
        results = benchmark(runner, args.phase, args.iters, args.warmup)
    device = next(runner.model.parameters()).device
    print(f'device: {device} (torch {torch.__version__}, '
          f'{torch.get_num_threads()} threads)')
    for phase, r in results.items():
        print(f'{phase}: data {r["samples_per_s"]:.1f} samples/s (batch '
              f'{r["batch_size"]}, {r["num_workers"]} workers); model '
              f'{r["ms_per_iter"]:.1f} ms/iter '
              f'({"train_step" if phase == "train" else "test_step"})')
    out = osp.join(cfg.work_dir, 'benchmark.json')
    with atomic_write(out, 'w') as f:
        json.dump(dict(config=args.config, device=str(device),
                       iters=args.iters, warmup=args.warmup, **results), f,
                  indent=1)
    print(f'-> {out}')


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before the heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
