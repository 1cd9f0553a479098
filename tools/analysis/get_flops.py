"""Parameters and FLOPs of a config's model, by mmengine's own analysis.

    python tools/analysis/get_flops.py CONFIG [--shape 1 1 2 100 25 3]

The default input is one clip at the config's test-time size (read from the
model and ``val_dataloader``'s pipeline): GCN ``(N, clips, M, T, V, C)``,
PoseC3D heatmaps ``(N, clips, K, T, H, W)``, PCAN RGB + pose (two inputs),
HAAN clip features ``(N, T, D)``. FLOPs cover the whole ``tensor`` forward
(backbone and head); each multiply-add counts once, as mmengine counts.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from print_config import cfg_options, check_cfg_options  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('--shape', nargs='+', type=int, action='append',
                        help='input shape with the batch dim; once per '
                        'input (PCAN: RGB then pose)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='override config settings, key=value')
    parser.add_argument('--show-table', action='store_true',
                        help='also print the per-module table')
    args = parser.parse_args()
    check_cfg_options(parser, args.cfg_options)
    return args


def main(args):
    from mmengine.analysis import get_model_complexity_info

    from mmaction2_ext.apis import load_config
    from mmaction2_ext.analysis import build_flops_model, default_shapes
    cfg = load_config(args.config)
    cfg.merge_from_dict(cfg_options(args.cfg_options))
    model = build_flops_model(cfg)
    shapes = [tuple(s) for s in args.shape] if args.shape else \
        default_shapes(cfg, model.model)
    result = get_model_complexity_info(
        model, inputs=model.dummy_inputs(shapes),
        show_table=args.show_table, show_arch=False)
    print(f'config: {args.config}')
    print(f'input shape: {", ".join(str(s) for s in shapes)}')
    print(f'flops: {result["flops_str"]} ({int(result["flops"])})')
    print(f'params: {result["params_str"]} ({result["params"]})')
    if args.show_table:
        print(result['out_table'])


if __name__ == '__main__':
    args = parse_args()
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(args))
