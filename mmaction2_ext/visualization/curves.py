"""Loss and metric curves from mmengine work dirs.

mmengine's LocalVisBackend writes ``<work_dir>/<timestamp>/vis_data/
scalars.json``, one json record per line: training records carry ``iter``
and use ``step`` = iteration; validation records use ``step`` = epoch.
"""
import glob
import json
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..utils import data_error
from .figure import save_figure

NOT_SCALARS = ('epoch', 'iter', 'step')
STEP_NAMES = dict(train='iteration', val='epoch')
TIMING = ('time', 'data_time')


@dataclass
class Curve:
    """One plotted line: ``values[i]`` at ``steps[i]`` of ``mode``."""
    key: str
    mode: str  # 'train' or 'val'
    label: str  # the work dir it comes from
    steps: np.ndarray
    values: np.ndarray


def scalar_files(work_dir: str) -> List[str]:
    """Every run's ``scalars.json`` in ``work_dir``, oldest first."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        raise FileNotFoundError(f'{work_dir}: no <timestamp>/vis_data/'
                                'scalars.json (not a training work dir?)')
    return files


def load_scalars(work_dir: str) -> Dict[str, Dict[str, Dict[int, float]]]:
    """``{mode: {key: {step: value}}}`` over all runs of ``work_dir``.

    A resumed run re-logs some steps: the later run wins.
    """
    scalars: Dict[str, Dict[str, Dict[int, float]]] = dict(train={}, val={})
    for path in scalar_files(work_dir):
        with open(path) as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    raise data_error(path, f'line {line_no} is not json '
                                     f'({err})') from err
                mode = 'train' if 'iter' in record else 'val'
                for key, value in record.items():
                    if key not in NOT_SCALARS and isinstance(
                            value, (int, float)):
                        scalars[mode].setdefault(key, {})[int(
                            record['step'])] = float(value)
    return scalars


def default_keys(scalars: Dict) -> List[str]:
    """Training losses and validation metrics (no timings, no lr)."""
    train = [k for k in scalars['train'] if 'loss' in k]
    val = [k for k in scalars['val'] if k not in TIMING]
    return list(dict.fromkeys(train + val))


def collect_curves(work_dirs: Sequence[str], keys: Optional[Sequence[str]] =
                   None, labels: Optional[Sequence[str]] = None
                   ) -> List[Curve]:
    """The curves of ``keys`` (default: losses and metrics) per work dir.

    A key logged in both modes (e.g. ``time``) gives one curve per mode.
    """
    labels = list(labels or [osp.basename(osp.normpath(w))
                             for w in work_dirs])
    if len(labels) != len(work_dirs):
        raise ValueError(f'{len(labels)} labels for {len(work_dirs)} '
                         'work dirs')
    curves = []
    for work_dir, label in zip(work_dirs, labels):
        scalars = load_scalars(work_dir)
        for key in keys or default_keys(scalars):
            found = [m for m in ('train', 'val') if key in scalars[m]]
            if not found:
                available = sorted({k for m in scalars.values() for k in m})
                raise data_error(work_dir, f'no logged scalar {key!r}; '
                                 f'available: {available}', field=key)
            for mode in found:
                points = sorted(scalars[mode][key].items())
                curves.append(Curve(key, mode, label,
                                    np.array([p[0] for p in points]),
                                    np.array([p[1] for p in points])))
    return curves


def draw_curves(curves: Sequence[Curve], panel_size=(5.0, 3.2)) -> Figure:
    """One panel per (mode, key), one line per work dir."""
    panels = list(dict.fromkeys((c.mode, c.key) for c in curves))
    cols = min(len(panels), 3)
    rows = -(-len(panels) // cols)
    fig = Figure(figsize=(panel_size[0] * cols, panel_size[1] * rows),
                 layout='constrained')
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (mode, key) in zip(axes, panels):
        for curve in curves:
            if (curve.mode, curve.key) == (mode, key):
                ax.plot(curve.steps, curve.values, marker='.' if
                        len(curve.steps) < 30 else None, label=curve.label)
        ax.set_title(f'{key} ({mode})')
        ax.set_xlabel(STEP_NAMES[mode])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize='small')
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    return fig


def plot_curves(work_dirs: Sequence[str], out: str,
                keys: Optional[Sequence[str]] = None,
                labels: Optional[Sequence[str]] = None,
                dpi: int = 100) -> List[Curve]:
    """Draw the curves of ``work_dirs`` into the PNG ``out`` (atomically)."""
    curves = collect_curves(work_dirs, keys, labels)
    save_figure(draw_curves(curves), out, dpi)
    return curves

