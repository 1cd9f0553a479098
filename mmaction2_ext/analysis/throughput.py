"""Data-loader and model throughput of a config (``tools/analysis/
benchmark.py``): samples/s the train / test loaders deliver and ms per
``train_step`` / ``test_step`` of the model on the batches they gave, on the
device the Runner put the model on."""
import time
from typing import Dict, List

import torch
from mmengine.runner import Runner

from ..utils import DataError


def _sync(model: torch.nn.Module) -> None:
    """Wait for queued kernels, so a timer sees the work (CUDA is async)."""
    param = next(model.parameters(), None)
    if param is not None and param.is_cuda:
        torch.cuda.synchronize(param.device)


def _batch_size(batch: dict) -> int:
    return len(batch['data_samples'])


def _take(stream, count: int) -> List[dict]:
    batches = []
    for _ in range(count):
        try:
            batches.append(next(stream))
        except StopIteration:
            break
    return batches


def time_loader(loader, iters: int, warmup: int, phase: str):
    """(batches, samples/s): ``warmup + iters`` batches of ``loader``; the
    first ``warmup`` (worker start-up) are not timed."""
    stream = iter(loader)
    batches = _take(stream, warmup)
    start = time.perf_counter()
    timed = _take(stream, iters)
    elapsed = time.perf_counter() - start
    if not timed:
        raise DataError(
            f'{phase}_dataloader gave {len(batches)} batches: --warmup '
            f'{warmup} leaves none to time (lower it or use more data)')
    return batches + timed, sum(map(_batch_size, timed)) / elapsed


def time_steps(step, batches: List[dict], model, warmup: int) -> float:
    """Mean ms of ``step(batch)`` over ``batches[warmup:]``."""
    for batch in batches[:warmup]:
        step(batch)
    _sync(model)
    start = time.perf_counter()
    for batch in batches[warmup:]:
        step(batch)
    _sync(model)
    return (time.perf_counter() - start) * 1000 / len(batches[warmup:])


def benchmark(runner: Runner, phases, iters: int, warmup: int
              ) -> Dict[str, dict]:
    """``{phase: {samples_per_s, ms_per_iter, batch_size, num_workers}}``
    for each of ``phases`` ('train', 'test')."""
    model = runner.model
    results = {}
    for phase in phases:
        loader_cfg = getattr(runner, f'_{phase}_dataloader')
        loader = runner.build_dataloader(loader_cfg)
        batches, rate = time_loader(loader, iters, warmup, phase)
        if phase == 'train':
            optim = runner.build_optim_wrapper(runner.optim_wrapper) \
                if isinstance(runner.optim_wrapper, dict) \
                else runner.optim_wrapper
            runner.optim_wrapper = optim
            model.train()

            def step(batch):
                return model.train_step(batch, optim)
        else:
            model.eval()

            def step(batch):
                with torch.no_grad():
                    return model.test_step(batch)
        results[phase] = dict(
            samples_per_s=rate, ms_per_iter=time_steps(step, batches, model,
                                                       warmup),
            batch_size=_batch_size(batches[0]),
            num_workers=loader.num_workers)
    return results
