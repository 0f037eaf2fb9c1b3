"""Per-metric chart of a one-student leaderboard: methods with intervals.

With one student every row has the same size, so an accuracy-vs-size plot
would draw all methods at one x. This chart has one panel per task (its
main metric) and one bar per row: the mean, with the 95 % t-interval as an
error bar when the cell has n ≥ 2 runs (:mod:`lgd_mm.benchmark.stats`).
Reported rows are hollow, shortened runs hatched.
"""
import os.path as osp
from typing import List, Optional

from lgd_mm.utils.fileio import atomic_write

__all__ = ['main_columns', 'plot_metric_chart']

# The metric a task's panel shows, first found wins.
_MAIN_METRICS = ('box_AP', 'mIoU', 'top1', 'mask_AP')


def main_columns(board) -> list:
    """One column per task: its first metric of :data:`_MAIN_METRICS`."""
    out = []
    for task in dict.fromkeys(c.task for c in board.columns):
        cols = [c for c in board.columns if c.task == task]
        for metric in _MAIN_METRICS:
            match = [c for c in cols if c.metric == metric]
            if match:
                out.append(match[0])
                break
    return out


def _label(row) -> str:
    extra = ' (shortened)' if row.shortened else ''
    return f'{row.method}{extra}' if row.source == 'ours' else \
        f'{row.method} ({row.source}){extra}'


def plot_metric_chart(board,
                      path: str,
                      title: Optional[str] = None) -> Optional[str]:
    """Write the chart to ``path``; returns a description of what it shows
    (None when no cell has a value)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    cols = [
        c for c in main_columns(board) if any(
            r.values.get(c) for r in board.rows)
    ]
    width = max(4.0, 2.2 * max(1, len(cols)))
    fig, axes = plt.subplots(
        1, max(1, len(cols)), figsize=(width, 4.2), dpi=120, squeeze=False)
    if not cols:
        axes[0][0].text(
            0.5, 0.5, 'no result to plot', ha='center', va='center')
        axes[0][0].set_axis_off()
    colours = plt.get_cmap('tab10')
    rows: List = board.rows
    for ax, col in zip(axes[0], cols):
        for i, row in enumerate(rows):
            st = row.stats(col)
            if st is None:
                continue
            colour = colours(i % 10)
            ax.bar(
                i,
                st.mean,
                yerr=None if st.half_width is None else st.half_width,
                capsize=3,
                color=colour if row.source == 'ours' else 'none',
                edgecolor=colour,
                hatch='//' if row.shortened else None,
                linewidth=1.2)
            ax.annotate(
                f'n={st.n}', (i, 0),
                xytext=(0, 2),
                textcoords='offset points',
                ha='center',
                fontsize=6,
                color='white' if row.source == 'ours' else '0.3')
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels([_label(r) for r in rows],
                           rotation=45,
                           ha='right',
                           fontsize=7)
        ax.set_title(f'{col.task}\n{col.metric}', fontsize=8)
        ax.set_ylabel(f'{col.metric} (%)', fontsize=8)
        ax.grid(axis='y', alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    with atomic_write(path, 'wb') as f:
        fig.savefig(f, format=osp.splitext(path)[1][1:] or 'png')
    plt.close(fig)
    if not cols:
        return None
    return 'per-metric chart (mean, 95 % interval): ' + ', '.join(
        c.header for c in cols)
