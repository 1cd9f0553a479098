"""Pictures of what a config's pipeline feeds the model, to check data
before a long run.

    python tools/analysis/browse_dataset.py CONFIG --phase train \
        --out DIR [-n 8]

One PNG per sample (``<phase>_<index>.png``): a row per input at evenly
spaced time steps of the first clip: RGB frames with the skeleton the
pipeline carries (PCAN), heatmap channels (PoseC3D / MiGA, PCAN's pose
stream, on the RGB frame when there is one; each channel its own hue),
skeleton graphs (GCN inputs, device-heatmap keypoints) and, for HAAN, the
clip-feature strip with the annotated segments. Training pictures show the
random augmentations of that draw. Without ``--out`` they go to
``<work dir>/browse_<phase>/``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from cli_args import CfgOptions, cfg_options, check_choices  # noqa: E402

PHASES = ('train', 'val', 'test')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('--phase', default='train',
                        help='train, val or test (default train)')
    parser.add_argument('--out', help='folder for the pictures (default: '
                        '<work dir>/browse_<phase>)')
    parser.add_argument('-n', type=int, default=8,
                        help='samples, from the first (default 8)')
    parser.add_argument('--frames', type=int, default=6,
                        help='time steps per row (default 6)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptions,
        help='override config settings, key=value')
    args = parser.parse_args()
    check_choices(parser, '--phase', args.phase, PHASES)
    for flag in ('n', 'frames'):
        if getattr(args, flag) < 1:
            parser.exit(1, f'error: -{"-" * (len(flag) > 1)}{flag} must be '
                        '>= 1\n')
    return args


def _layout(cfg, dataset_cfg):
    """The skeleton layout the config names (graph or dataset), if any."""
    graph = (cfg.model.get('backbone') or {}).get('graph_cfg') or {}
    return graph.get('layout') or dataset_cfg.get('layout')


def main(args):
    from mmengine.registry import init_default_scope
    from mmengine.utils import ProgressBar

    import mmaction2_ext  # noqa: F401  (registers the datasets)
    from mmaction.registry import DATASETS
    from mmaction2_ext.apis import (ConfigError, config_errors, load_config,
                                    merge_options)
    from mmaction2_ext.visualization import save_figure
    from mmaction2_ext.visualization.browse import draw_sample, pipeline_sample
    options = cfg_options(args.cfg_options)
    cfg = merge_options(load_config(args.config), options)
    loader = cfg.get(f'{args.phase}_dataloader')
    if not loader:
        raise ConfigError(f'{args.config}: no {args.phase}_dataloader')
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    out = args.out or osp.join(
        cfg.get('work_dir') or osp.join(
            'work_dirs', osp.splitext(osp.basename(args.config))[0]),
        f'browse_{args.phase}')
    with config_errors(args.config, options):
        dataset = DATASETS.build(loader.dataset)
    layout = _layout(cfg, loader.dataset)
    count = min(args.n, len(dataset))
    bar = ProgressBar(count)
    for index in range(count):
        sample = pipeline_sample(dataset, index)
        info = dataset.get_data_info(index)
        label = info.get('label', info.get('gt_labels'))
        name = info.get('video_name') or osp.basename(
            str(info.get('frame_dir', info.get('filename', ''))))
        title = f'{args.phase} #{index} {name}, label {label}'
        fig = draw_sample(sample, title, layout, args.frames)
        save_figure(fig, osp.join(out, f'{args.phase}_{index:04d}.png'))
        bar.update()
    print(f'\n{count} pictures -> {out}')


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before the heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
