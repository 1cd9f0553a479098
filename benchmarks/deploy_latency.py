"""Inference latency on the CPU: PyTorch eager against ONNX Runtime, per
method, batch 1 and 8, 1 and 2 threads (the [deploy] extra).

    .venv-deploy/bin/python benchmarks/deploy_latency.py [--size full|tiny]
        [--repeats 5] [--methods pcan protogcn ...]

Each model (random weights: the time does not depend on them) is exported
by ``mmaction2_ext.deploy.export_onnx`` (which checks ONNX Runtime against
PyTorch before writing), the outputs of both are checked equal again on
each timed input size, then one call of each is timed, interleaved
(``machine.interleaved``). Inputs: one test clip per sample at the
config's sizes (``analysis.default_shapes``); both run the same graph, the
exported wrapper (backbone, head, clip averaging; HAAN: its networks).
"""
import argparse
import os.path as osp
import sys
import tempfile

import numpy as np
import onnxruntime
import torch

BENCH = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(BENCH)
sys.path[:0] = [ROOT, BENCH]
import mmaction2_ext  # noqa: E402,F401
from machine import Run, interleaved, write_table  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmaction2_ext.analysis import default_shapes  # noqa: E402
from mmaction2_ext.apis import init_model, load_config  # noqa: E402
from mmaction2_ext.deploy import export_onnx, wrapper_for  # noqa: E402
from mmaction2_ext.deploy.export import ort_session  # noqa: E402

CONFIGS = dict(
    full=dict(
        pcan='configs/pcan/pcan_rgbpose_ma52.py',
        protogcn='configs/protogcn/ntu60_xsub/j.py',
        miga='configs/miga/slowonly_r50-emb20_2xb16-u48-100e_imigue-'
        'keypoint.py',
        stgcn='configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py',
        haan='configs/haan/haan_1xb2-200e_finegym-i3d.py'),
    tiny=dict(
        pcan='configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py',
        protogcn='configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-'
        '3d.py',
        miga='configs/miga/slowonly_tiny-emb20_1xb8-u16-10e_synthetic-'
        'imigue-keypoint.py',
        stgcn='configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py',
        haan='configs/haan/haan_1xb4-10e_synthetic-feat.py'))
BATCHES = (1, 8)
THREADS = (1, 2)
ATOL = 1e-4


def batch_inputs(shapes, batch, seed=0):
    """Random inputs of the wrapper's shapes with batch ``batch`` (heatmaps
    and frames in [0, 1), GCN joints and features normal)."""
    gen = torch.Generator().manual_seed(seed)
    return tuple(torch.rand((batch, *s[1:]), generator=gen)
                 for s in shapes)


def as_tuple(out):
    return out if isinstance(out, tuple) else (out, )


def measure(method, config, repeats, out_dir):
    """Rows (batch, threads, eager s, ORT s) of one method."""
    cfg = load_config(osp.join(ROOT, config))
    model = init_model(cfg)
    wrapper = wrapper_for(model).eval()
    shapes = default_shapes(cfg, model)
    onnx = osp.join(out_dir, f'{method}.onnx')
    print(f'{method}: exporting {config} {shapes}', flush=True)
    inputs = batch_inputs(shapes, 2)
    export_onnx(model, inputs[0] if len(inputs) == 1 else dict(
        zip(wrapper.input_names, inputs)), onnx)
    rows = []
    for threads in THREADS:
        torch.set_num_threads(threads)
        session = ort_session(onnx, threads)
        for batch in BATCHES:
            args = batch_inputs(shapes, batch, seed=batch)
            feed = {n: a.numpy() for n, a in zip(wrapper.input_names, args)}

            def eager(_):
                with torch.no_grad():
                    return as_tuple(wrapper(*args))

            def ort(_):
                return session.run(None, feed)

            diff = max(float(np.abs(o - e.numpy()).max())
                       for o, e in zip(ort(None), eager(None)))
            if not diff <= ATOL:
                raise SystemExit(f'{method} batch {batch}: ONNX Runtime '
                                 f'differs from PyTorch by {diff:.3g}')
            t_eager, t_ort = interleaved([eager, ort], lambda: None, repeats)
            print(f'  batch {batch}, {threads} thread(s): eager '
                  f'{t_eager * 1e3:.1f} ms, ONNX Runtime {t_ort * 1e3:.1f} '
                  f'ms ({t_eager / t_ort:.2f}x; max diff {diff:.2g})',
                  flush=True)
            rows.append((batch, threads, t_eager, t_ort))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', choices=list(CONFIGS), default='full',
                        help='full: the paper configs (ST-GCN: the demo); '
                        'tiny: the test configs (a quick run)')
    parser.add_argument('--methods', nargs='+', choices=list(CONFIGS['full']),
                        default=list(CONFIGS['full']))
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--out', help='table (default results/'
                        'deploy_latency.md; tiny: deploy_latency_tiny.md)')
    args = parser.parse_args()
    out = args.out or osp.join(BENCH, 'results', 'deploy_latency' + (
        '' if args.size == 'full' else '_tiny') + '.md')
    init_default_scope('mmaction')
    run = Run()
    lines = ['| method | config | batch | threads | PyTorch eager (ms) | '
             'ONNX Runtime (ms) | speed-up |', '|---|---|---|---|---|---|---|']
    with tempfile.TemporaryDirectory() as tmp:
        for method in args.methods:
            config = CONFIGS[args.size][method]
            for batch, threads, t_eager, t_ort in measure(
                    method, config, args.repeats, tmp):
                lines.append(
                    f'| {method} | {osp.basename(config)} | {batch} | '
                    f'{threads} | {t_eager * 1e3:.1f} | {t_ort * 1e3:.1f} | '
                    f'{t_eager / t_ort:.1f}x |')
    footer = run.footer(args.repeats) + (
        f' torch {torch.__version__}, onnxruntime {onnxruntime.__version__}'
        ' (CPUExecutionProvider), the same threads for both.')
    print(footer)
    command = 'python benchmarks/deploy_latency.py' + (
        '' if args.size == 'full' else ' --size tiny')
    write_table(out, 'Inference latency: PyTorch eager vs ONNX Runtime '
                '(CPU)', command, lines, footer)


if __name__ == '__main__':
    main()
