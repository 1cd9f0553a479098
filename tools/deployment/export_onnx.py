"""Export a trained model to ONNX (docs/deploy.md).

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out model.onnx
        [--opset 18] [--dynamic [AXIS ...]] [--tolerance 1e-4]

Every method: PCAN (its scores with the prototype calibration, clip
averaging and RGB/pose fusion), ProtoGCN and ST-GCN (any stream), PoseC3D /
MiGA, HAAN (its networks: the detections stay in Python). The graph takes
the preprocessed batch; ``--dynamic`` lists the axes left free (default:
all the model allows; ``--dynamic`` alone: none). The file is written only
when ONNX Runtime agrees with PyTorch within ``--tolerance`` on the
config's first test samples. Needs the [deploy] extra (make deploy-install).
"""
import argparse
import os.path as osp
import sys

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, TOOLS)

from cli_args import CfgOptions, cfg_options  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='ONNX file to write')
    parser.add_argument('--opset', type=int,
                        help='ONNX opset version (default 18)')
    parser.add_argument('--dynamic', nargs='*', metavar='AXIS',
                        help='free axes (batch, clips, persons, frames; '
                        'default: all the model allows; none: fixed shapes)')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='largest |ONNX Runtime - PyTorch| accepted')
    parser.add_argument('--samples', type=int, default=2,
                        help='test samples the check runs on')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptions,
                        help='override config settings, key=value')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='fully unpickle the checkpoint (trusted only)')
    return parser.parse_args(argv)


def main(args):
    from mmaction2_ext.apis import (init_model, load_config, merge_options,
                                    trust_checkpoints)
    from mmaction2_ext.deploy import example_batch, export_onnx, extra
    extra.require()  # before the model is built: one line, the make target
    if args.trust_checkpoint:
        trust_checkpoints()
    cfg = load_config(args.config)
    merge_options(cfg, cfg_options(args.cfg_options))
    model = init_model(cfg, args.checkpoint)
    batch = example_batch(model, args.samples)
    print(f'exporting {args.config} to ONNX, then checking it with ONNX '
          f'Runtime on {args.samples} test samples...', flush=True)
    report = export_onnx(model, batch['inputs'], args.out, args.opset,
                         args.dynamic, args.tolerance)
    shapes = ', '.join(f'{k} {tuple(v)}' for k, v in report['inputs'].items())
    print(f'max |ONNX Runtime - PyTorch| = {report["max_diff"]:.3g} on '
          f'{shapes} (tolerance {args.tolerance:g})')
    print(f'dynamic axes: {" ".join(report["dynamic"]) or "none"}; '
          f'opset {report["opset"]}')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before the heavy imports
    sys.path.insert(0, osp.dirname(TOOLS))
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
