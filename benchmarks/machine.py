"""What a benchmark table records about the run: load average before and
after, the CPU time other processes took during it, CPU model, threads, and
a LOADED mark when the machine was busy.

A run is LOADED when other processes kept more than ``OTHERS_MAX_CPUS``
cores busy on average while it ran: the machine's busy CPU time
(/proc/stat) minus the run's own and its children's (data workers). Other
jobs sharing the cores slow stock Python loops down more than vectorised
code, so speed-ups come out too high. The load average is recorded too but
cannot decide: it counts the run's own worker processes and, for a minute
or more, the benchmark that ran before. Where /proc/stat is missing, the
1-minute load average before or after (``LOADED_PER_CPU`` x CPUs) decides.
Only tables without the mark are publishable.
"""
import math
import os
import platform
import resource
import time
from typing import List, Optional, Sequence

import numpy as np

LOADED_PER_CPU = 0.75
OTHERS_MAX_CPUS = 0.25


def cpu_model() -> str:
    """``model name`` from /proc/cpuinfo (else the platform's name)."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def threads() -> str:
    """torch and OpenMP thread counts of this process."""
    import torch
    return (f'torch threads {torch.get_num_threads()}, OMP_NUM_THREADS='
            f'{os.environ.get("OMP_NUM_THREADS", "unset")}')


def loaded(load: float) -> bool:
    return load > LOADED_PER_CPU * (os.cpu_count() or 1)


def busy_cpu_seconds() -> Optional[float]:
    """CPU seconds every process has spent since boot (/proc/stat), or
    None where there is no /proc/stat."""
    try:
        with open('/proc/stat') as f:
            ticks = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    busy = user + nice + system + irq + softirq + steal
    return busy / os.sysconf('SC_CLK_TCK')


def own_cpu_seconds() -> float:
    """CPU seconds of this process and its reaped children (data
    workers, subprocesses)."""
    return sum(r.ru_utime + r.ru_stime for r in (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN)))


class Run:
    """Load and CPU counters at the start; ``footer()`` adds the end and
    the mark."""

    def __init__(self):
        self.before = os.getloadavg()
        self.started = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
        self._counters = (time.perf_counter(), busy_cpu_seconds(),
                          own_cpu_seconds())

    def others_cpus(self) -> Optional[float]:
        """Cores other processes kept busy on average since the start."""
        wall, busy, own = self._counters
        now = busy_cpu_seconds()
        if now is None or busy is None:
            return None
        others = (now - busy) - (own_cpu_seconds() - own)
        return max(0., others) / max(time.perf_counter() - wall, 1e-9)

    def is_loaded(self) -> bool:
        others = self.others_cpus()
        if others is None:
            return loaded(max(self.before[0], os.getloadavg()[0]))
        return others > OTHERS_MAX_CPUS

    def footer(self, repeats: int,
               timing: str = 'interleaved repeats, wall clock; outputs '
               'checked equal before timing') -> str:
        after = os.getloadavg()
        fmt = ', '.join
        others = self.others_cpus()
        busy = ('' if others is None else
                f'other processes kept {others:.2f} cores busy on average '
                f'(LOADED above {OTHERS_MAX_CPUS}); ')
        mark = ('**LOADED**: other jobs shared the CPU, not publishable, '
                'rerun on an idle machine. ' if self.is_loaded()
                else 'Idle run. ')
        return (f'{mark}Run {self.started}; {busy}load average (1/5/15 '
                f'min) before {fmt(f"{x:.2f}" for x in self.before)}, after '
                f'{fmt(f"{x:.2f}" for x in after)}; {cpu_model()}, '
                f'{os.cpu_count()} CPUs, {threads()}; numpy '
                f'{np.__version__}; medians of {repeats} {timing}.')


def interleaved(fns: Sequence, make_input, repeats: int,
                min_seconds: float = 0.05) -> List[float]:
    """Median seconds per call of each ``fn(make_input())``, fns
    alternating, after one warm-up call each (inputs built outside the
    timing).

    A call shorter than ``min_seconds`` is timed over enough calls (the
    same count for every fn, each on a fresh input) to last that long:
    single millisecond-long calls vary by tens of percent between runs.
    """
    warm = []
    for fn in fns:
        data = make_input()
        start = time.perf_counter()
        fn(data)
        warm.append(time.perf_counter() - start)
    calls = min(1000, max(1, math.ceil(min_seconds / max(min(warm), 1e-6))))
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            inputs = [make_input() for _ in range(calls)]
            start = time.perf_counter()
            for data in inputs:
                fn(data)
            ts.append((time.perf_counter() - start) / calls)
    return [float(np.median(ts)) for ts in times]


def write_table(path: str, title: str, command: str, lines: Sequence[str],
                footer: str) -> None:
    """Write a results/*.md table (title, command, table lines, footer)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(f'# {title}\n\nGenerated by `{command}` (all tables: '
                '`bash benchmarks/run_all.sh`).\n\n' + '\n'.join(lines) +
                f'\n\n{footer}\n')
    print(f'wrote {path}')


def cuda_peak_mib(fn, device) -> Optional[float]:
    """MiB of CUDA memory one call of ``fn`` needs above what was resident
    before it (activations, gradients, workspaces); None off CUDA. Taken
    apart from the timed calls, so the reset does not disturb them."""
    import torch
    if not str(device).startswith('cuda'):
        return None
    torch.cuda.synchronize(device)
    resident = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    fn()
    torch.cuda.synchronize(device)
    return (torch.cuda.max_memory_allocated(device) - resident) / 2**20


def write_json(path: Optional[str], figures: dict) -> None:
    """The figures of a run as JSON (for benchmarks/cuda_report.py); no-op
    without a path."""
    if not path:
        return
    import json

    import torch
    figures = dict(figures, torch=torch.__version__)
    with open(path, 'w') as f:
        json.dump(figures, f, indent=1)
    print(f'wrote {path}')
