"""Compare the weights of two checkpoints of one config (a straight run
against a resumed one, or a plain run against a torchrun one):

    python benchmarks/cuda_compare.py A.pth B.pth [--atol X] [--json F]
    python benchmarks/cuda_compare.py A.pth B.pth --amp   # B trained with AMP

Prints the largest absolute difference over all floating-point weights and
buffers, and how many tensors differ at all. Exit 1 when the two do not hold
the same tensors (names, shapes), when B holds a NaN/Inf, or when the largest
difference exceeds ``--atol``. With ``--amp`` the differences are only
reported (AMP runs are not expected to match fp32 ones) and B must carry the
AMP loss scaler in its optimizer state: proof that the run used
``AmpOptimWrapper``.
"""
import argparse
import json
import sys

import torch


def load(path):
    # our own checkpoints, written moments ago by tools/train.py; they hold
    # mmengine's meta (numpy values, config text), which weights_only refuses
    return torch.load(path, map_location='cpu', weights_only=False)


def weight_diff(a, b):
    """(largest |a - b| over float tensors, tensors that differ, tensors,
    problems: a list of words)."""
    problems = []
    if a.keys() != b.keys():
        problems.append(f'names differ: {sorted(a.keys() ^ b.keys())[:5]}')
    largest, differ, count = 0.0, 0, 0
    for name in sorted(a.keys() & b.keys()):
        x, y = a[name], b[name]
        if x.shape != y.shape:
            problems.append(f'{name}: shape {tuple(x.shape)} vs '
                            f'{tuple(y.shape)}')
            continue
        count += 1
        if not torch.equal(x, y):
            differ += 1
        if x.is_floating_point():
            if not torch.isfinite(y).all():
                problems.append(f'{name}: NaN/Inf in {name}')
            diff = (x.double() - y.double()).abs().max().item() \
                if x.numel() else 0.0
            largest = max(largest, diff)
    return largest, differ, count, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('a')
    parser.add_argument('b')
    parser.add_argument('--atol', type=float, default=None,
                        help='fail above this largest difference')
    parser.add_argument('--amp', action='store_true',
                        help='B is an AMP run: report only, check its scaler')
    parser.add_argument('--json', default=None)
    args = parser.parse_args()
    a, b = load(args.a), load(args.b)
    largest, differ, count, problems = weight_diff(a['state_dict'],
                                                   b['state_dict'])
    figures = dict(a=args.a, b=args.b, max_abs_diff=largest,
                   tensors=count, tensors_differing=differ,
                   bitwise_equal=differ == 0 and not problems)
    if args.amp:
        scaler = b.get('optimizer', {}).get('loss_scaler')
        figures['amp_loss_scale'] = scaler.get('scale') if scaler else None
        if scaler is None:
            problems.append('no loss_scaler in the optimizer state: not an '
                            'AMP run')
    elif args.atol is not None and largest > args.atol:
        problems.append(f'largest difference {largest:.3e} > {args.atol:g}')
    figures['problems'] = problems
    print(json.dumps(figures, indent=1, default=str))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(figures, f, indent=1, default=str)
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
