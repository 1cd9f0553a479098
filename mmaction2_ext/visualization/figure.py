"""Saving matplotlib figures (built with ``Figure``, no pyplot state, so no
display backend is needed)."""
import os.path as osp

from matplotlib.figure import Figure

from ..utils import atomic_write


def save_figure(fig: Figure, out: str, dpi: int = 100) -> None:
    """Write ``fig`` to ``out`` (format from the suffix, png by default)
    atomically: an interrupted save never leaves a truncated image."""
    fmt = osp.splitext(out)[1].lstrip('.').lower() or 'png'
    with atomic_write(out, 'wb') as f:
        fig.savefig(f, format=fmt, dpi=dpi)
