"""Turn a run of benchmarks/cuda_smoke.sh into a Markdown report: the
machine (GPU, driver, CUDA, torch), every step's PASS/FAIL/SKIP, and the
figures the steps wrote (``WORK/figures/*.json``, ``WORK/logs/*.log``).

    python benchmarks/cuda_report.py --work /tmp/cuda_smoke \\
        --out benchmarks/results/cuda.md [--rehearsal] [--seconds N]

Run it where the steps ran: the machine section is read from this process.
"""
import argparse
import json
import os.path as osp
import re
import subprocess
import sys
import time

BENCH = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(BENCH)
sys.path.insert(0, ROOT)
METHODS = ('pcan', 'protogcn', 'miga', 'haan', 'devicehm')


def pinned_torch():
    with open(osp.join(ROOT, 'requirements.txt')) as f:
        pins = [line.strip() for line in f if line.startswith('torch==')]
    return pins[0].split('==')[1] if pins else '?'


def nvidia_smi():
    """(name, memory, driver) of GPU 0 from nvidia-smi, or None."""
    try:
        out = subprocess.run(
            ['nvidia-smi', '--query-gpu=name,memory.total,driver_version',
             '--format=csv,noheader'], capture_output=True, text=True,
            timeout=30).stdout.strip().splitlines()
    except (OSError, subprocess.SubprocessError):
        return None
    return [x.strip() for x in out[0].split(',')] if out else None


def version(module):
    try:
        return __import__(module).__version__
    except Exception as err:  # a missing or broken package is a finding
        return f'not importable ({type(err).__name__})'


def machine_lines():
    import platform

    import torch
    smi = nvidia_smi()
    gpu = (f'{smi[0]}, {smi[1]}, driver {smi[2]}' if smi else
           'no nvidia-smi answer')
    cuda = torch.cuda.is_available()
    lines = [
        f'- GPU: {gpu}' + (f'; torch sees {torch.cuda.get_device_name(0)} '
                           f'(compute capability '
                           f'{".".join(map(str, torch.cuda.get_device_capability(0)))})'
                           if cuda else '; torch sees no GPU'),
        f'- torch {torch.__version__} (CUDA build {torch.version.cuda}, '
        f'cuDNN {torch.backends.cudnn.version() if cuda else "-"}); '
        f'requirements.txt pins torch {pinned_torch()}: these figures are '
        "from the machine's torch, not the pinned one",
        f'- Python {platform.python_version()}, numpy {version("numpy")}, '
        f'mmengine {version("mmengine")}, mmcv {version("mmcv")}, mmaction2 '
        f'{version("mmaction")}']
    return lines


def read_steps(work):
    rows = []
    path = osp.join(work, 'steps.tsv')
    if osp.exists(path):
        with open(path) as f:
            rows = [line.rstrip('\n').split('\t') for line in f if line.strip()]
    return [(r + [''] * 4)[:4] for r in rows]


def figures(work, name):
    path = osp.join(work, 'figures', f'{name}.json')
    if not osp.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def test_metric(work, method):
    """The dump's size and the metrics of the last ``Epoch(test)`` line of
    the method's test log."""
    dump = osp.join(work, method, 'result.pkl')
    cell = (f'dump {osp.getsize(dump) / 1024:.0f} KiB' if osp.exists(dump)
            else 'no dump')
    path = osp.join(work, 'logs', f'test-{method}.log')
    if not osp.exists(path):
        return cell
    with open(path, errors='replace') as f:
        log = f.read()
    if 'no metric is computed' in log:  # MA-52 test labels are hidden
        return cell + '; no metric (hidden test labels)'
    found = re.findall(r'Epoch\(test\).*?\]\s+(.*)', log)
    # the timing fields are no metrics
    kept = [kv.strip() for kv in found[-1].split('  ') if kv.strip() and
            not kv.strip().startswith(('data_time', 'time', 'eta'))] \
        if found else []
    return cell + ('; ' + ', '.join(kept)[:100] if kept else '')


def weight_cell(fig):
    if fig is None:
        return '-'
    cell = f"{fig['max_abs_diff']:.2e}"
    if fig.get('bitwise_equal'):
        cell += ' (bitwise equal)'
    else:
        cell += f" ({fig['tensors_differing']}/{fig['tensors']} tensors differ)"
    return cell


def method_table(work, results):
    lines = ['| method (tiny config) | 2 epochs | test `--dump` (metrics) | '
             '`--resume` from epoch 1 vs straight: max abs weight diff | '
             '`dist_train.sh CONFIG 1` vs plain: max abs weight diff | '
             '`--amp` (loss scale at the end) |', '|---|---|---|---|---|---|']
    for m in METHODS:
        amp = figures(work, f'amp-{m}')
        amp_cell = results.get(f'amp-{m}', '-')
        if amp is not None:
            amp_cell += f" (scale {amp.get('amp_loss_scale')})"
        lines.append(
            f"| {m} | {results.get(f'train-{m}', '-')} | "
            f"{results.get(f'test-{m}', '-')}: {test_metric(work, m)} | "
            f"{results.get(f'resume-equal-{m}', '-')}: "
            f"{weight_cell(figures(work, f'resume-{m}'))} | "
            f"{results.get(f'dist-equal-{m}', '-')}: "
            f"{weight_cell(figures(work, f'dist-{m}'))} | {amp_cell} |")
    return lines


def mib(x):
    return '-' if x is None else f'{x:.0f}'


def model_table(work):
    lines = ['| model | setting | time per iteration | peak memory of an '
             'iteration above the resident model (MiB) | ours / stock time |',
             '|---|---|---|---|---|']
    pcan = figures(work, 'pcan-full')
    if pcan:
        setting = f"batch {pcan['batch']}, median of {pcan['repeats']}"
        b = pcan['batch']
        lines += [
            f"| stock RGBPoseConv3D + RGBPoseHead (full) | {setting} | "
            f"{pcan['stock_ms_per_sample'] * b:.1f} ms | "
            f"{mib(pcan['stock_peak_mib'])} | |",
            f"| PCAN (full) | {setting} | {pcan['pcan_ms_per_sample'] * b:.1f}"
            f" ms | {mib(pcan['pcan_peak_mib'])} | "
            f"{pcan['pcan_ms_per_sample'] / pcan['stock_ms_per_sample']:.2f}"
            ' |']
    gcn = figures(work, 'protogcn-ntu60-j')
    if gcn:
        lines.append(
            f"| ProtoGCN NTU60 xsub joint, train step | batch {gcn['batch']},"
            f" {gcn['frames']} frames, median of {gcn['iters']} | "
            f"{gcn['train_ms']:.1f} ms ({gcn['train_gflop']:.0f} GFLOP; "
            f"inference {gcn['infer_ms']:.1f} ms) | "
            f"{mib(gcn['train_peak_mib'])} | no stock equivalent |")
    haan = figures(work, 'haan-finegym')
    if haan:
        setting = (f"FineGym full model (encoded {haan['encoded']}), batch "
                   f"{haan['batch_size']}, {haan['iterations']} iterations, "
                   f"median of {haan['repeats']} epochs")
        lines += [
            f"| HAAN, upstream's per-video loop losses | {setting} | "
            f"{haan['loop_s_per_iter'] * 1e3:.1f} ms | "
            f"{mib(haan['loop_peak_mib'])} | |",
            f"| HAAN, ours (batched losses) | {setting} | "
            f"{haan['ours_s_per_iter'] * 1e3:.1f} ms | "
            f"{mib(haan['ours_peak_mib'])} | "
            f"{haan['ours_s_per_iter'] / haan['loop_s_per_iter']:.2f} (max "
            f"loss diff {haan['max_loss_diff']:.1e}) |"]
    return lines


def pytest_counts(work):
    path = osp.join(work, 'logs', 'pytest-cuda.log')
    if not osp.exists(path):
        return 'not run'
    with open(path, errors='replace') as f:
        tail = [line for line in f if re.search(r'passed|failed|skipped|error',
                                               line)]
    return tail[-1].strip(' =\n') if tail else 'no summary line'


def report(args):
    steps = read_steps(args.work)
    results = {name: result for name, result, _, _ in steps}
    counts = {r: sum(1 for _, x, _, _ in steps if x == r)
              for r in ('PASS', 'FAIL', 'SKIP')}
    title = '# CUDA run of every method (issue #16)'
    out = [title + (' — REHEARSAL ON THE CPU, NOT A GPU RESULT'
                    if args.rehearsal else ''), '']
    if args.rehearsal:
        out += ['**REHEARSAL**: `bash benchmarks/cuda_smoke.sh --rehearse` on '
                'the CPU with the smallest settings, to check the script. '
                'No figure here is a GPU figure; never publish it.', '']
    out += [f'Generated by `bash benchmarks/cuda_smoke.sh'
            f'{" --rehearse" if args.rehearsal else ""}` '
            f'(benchmarks/CUDA.md), {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}'
            f'; {counts["PASS"]} steps passed, {counts["FAIL"]} failed, '
            f'{counts["SKIP"]} skipped'
            + (f', {args.seconds} s in all' if args.seconds else '') + '.', '',
            '## Machine', ''] + machine_lines()
    out += ['', '## Tiny configs through the tools', '',
            'Synthetic data, `--seed 0 --deterministic` (warn-only on CUDA: '
            'docs/compat.md), 2 epochs. The resumed run starts from the '
            "straight run's epoch-1 checkpoint; torchrun runs 1 process "
            '(NCCL on CUDA).', ''] + method_table(args.work, results)
    out += ['', '## Full-size models', ''] + model_table(args.work)
    out += ['', 'On-GPU heatmaps equal to the CPU ones (<= 1e-5), `pytest '
            'tests/configs/test_devicehm_configs.py '
            'tests/models/data_preprocessors/test_heatmap_preprocessor.py'
            f' -k cuda`: {results.get("pytest-cuda", "-")} ({pytest_counts(args.work)}).',
            '', '## Steps', '', '| step | result | seconds | note |',
            '|---|---|---|---|']
    out += [f'| {n} | {r} | {s} | {note} |' for n, r, s, note in steps]
    return '\n'.join(out) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--rehearsal', action='store_true')
    parser.add_argument('--seconds', type=int, default=None)
    args = parser.parse_args()
    published = osp.join(BENCH, 'results', 'cuda.md')
    if args.rehearsal and osp.abspath(args.out) == published:
        parser.error('a rehearsal never writes benchmarks/results/cuda.md')
    text = report(args)
    with open(args.out, 'w') as f:
        f.write(text)
    print(text)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
