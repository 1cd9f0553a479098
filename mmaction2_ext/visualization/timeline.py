"""Temporal detections of one video as a timeline, one row per class."""
from typing import Dict, List, Optional, Sequence

from matplotlib import colormaps
from matplotlib.figure import Figure

from .figure import save_figure


def draw_timeline(detections: Sequence[Dict], duration: Optional[float] = None,
                  title: str = '') -> Figure:
    """Bars ``[start, end]`` (seconds) per class label; opacity grows with
    the score (scaled to the video's best detection)."""
    labels: List[str] = list(dict.fromkeys(d['label'] for d in detections))
    fig = Figure(figsize=(10, 1.2 + 0.4 * max(len(labels), 1)))
    ax = fig.add_subplot()
    scores = [d['score'] for d in detections]
    lo, hi = (min(scores), max(scores)) if scores else (0., 1.)
    colors = colormaps['tab10']
    for row, label in enumerate(labels):
        for d in detections:
            if d['label'] != label:
                continue
            alpha = 0.3 + 0.7 * ((d['score'] - lo) / (hi - lo) if hi > lo
                                 else 1.)
            ax.broken_barh([(d['start'], d['end'] - d['start'])],
                           (row - 0.4, 0.8), color=colors(row % 10),
                           alpha=alpha)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(-0.6, max(len(labels), 1) - 0.4)
    ax.invert_yaxis()
    ends = [d['end'] for d in detections]
    ax.set_xlim(0, duration or (max(ends) if ends else 1.))
    ax.set_xlabel('time (s)')
    ax.set_title(title or f'{len(detections)} detections')
    fig.tight_layout()
    return fig


def plot_timeline(detections: Sequence[Dict], out: str,
                  duration: Optional[float] = None, title: str = '') -> None:
    """Write :func:`draw_timeline` to ``out`` (png, pdf, svg...)."""
    save_figure(draw_timeline(detections, duration, title), out)
