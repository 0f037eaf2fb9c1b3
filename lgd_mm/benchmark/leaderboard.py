"""Leaderboard: benchmark records -> Markdown table, CSV and PNG plot.

Reads the JSON records of ``tools/benchmark.py`` (any set of work dirs) and,
optionally, the paper-reported rows of the configs' metafiles
(:mod:`lgd_mm.benchmark.reported`), and writes:

* ``leaderboard.md`` / ``leaderboard.csv``: one row per (method, student,
  teacher, pre-training, source); one column per (task, protocol, metric)
  present. ``source`` says ``ours`` (measured by this suite) or
  ``reported`` (from a paper; the references are listed under the Markdown
  table). Values are in percent with one decimal; a missing result is a
  blank cell. When several records fill one cell (e.g. seeds), the cell is
  their mean and the Markdown shows ``(n=K)``.
* ``leaderboard.png``: one downstream metric against backbone parameters
  (or FLOPs), one marker per method, ours filled and reported hollow.

Protocols. Rows are comparable only within a protocol, so a column is one
(task, protocol, metric) triple. ``tools/benchmark.py`` uses the task id as
the protocol id, so headers read ``in1k_linear top1``; a record whose
protocol differs from its task gets a column of its own headed
``task [protocol] metric``. Everything is the same for ToyWorld and for
ImageNet / COCO / ADE20K runs: only the task ids differ.

Labels. Students are shown with their paper names (``r18`` ->
``ResNet-18``, from ``configs/_base_/students/``); open_clip teacher names are shown as CLIP models
(``RN50-quickgelu (openai)`` -> ``CLIP RN50 (openai)``, the label of the
metafiles) and checkpoint paths by their file name.
"""
import csv
import math
import os.path as osp
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence

from mmengine.logging import print_log

from lgd_mm.utils.fileio import atomic_write, atomic_write_text
from .records import METRIC_NAMES, BenchmarkRecord, find_records
from .reported import reported_records
from .metric_chart import plot_metric_chart
from .stats import CellStats, cell_stats, tied_with_best
from .students import student_ids, student_name
from .tasks import TASKS

__all__ = [
    'Column', 'Row', 'Leaderboard', 'build_leaderboard', 'load_records',
    'write_markdown', 'write_csv', 'plot_leaderboard', 'make_leaderboard'
]

_SOURCE_ORDER = ('reported', 'ours')
# Default plot metric: the first of these with a plottable point.
_PLOT_METRICS = ('box_AP', 'mIoU', 'mask_AP', 'top1')
_X_AXES = {
    'params_m': 'backbone parameters (M)',
    'flops_g': 'backbone FLOPs (G)'
}
_OPEN_CLIP_NAME = re.compile(r'^(RN\d+(?:x\d+)?|ViT-[\w/.-]+?)(?:-quickgelu)?'
                             r'(?= \(|$)')


@dataclass(frozen=True)
class Column:
    """One leaderboard column: a metric of a task under one protocol."""
    task: str
    protocol: str
    metric: str

    @property
    def header(self) -> str:
        if self.protocol and self.protocol != self.task:
            return f'{self.task} [{self.protocol}] {self.metric}'
        return f'{self.task} {self.metric}'


@dataclass
class Row:
    """One leaderboard row and its cells (column -> values of records)."""
    method: str
    student: str
    teacher: str
    pretrain: str
    source: str
    shortened: bool = False
    params_m: Optional[float] = None
    flops_g: Optional[float] = None
    references: List[str] = field(default_factory=list)
    values: Dict[Column, List[float]] = field(default_factory=dict)
    #: per value, the run it came from: ``'<pre-training seed>/<seed>'``
    runs: Dict[Column, List[str]] = field(default_factory=dict)

    def value(self, column: Column) -> Optional[float]:
        """Mean of the records in a cell, or None when it is empty."""
        vals = self.values.get(column)
        return sum(vals) / len(vals) if vals else None

    def stats(self, column: Column) -> Optional[CellStats]:
        """Mean, spread and interval of a cell (None when it is empty)."""
        vals = self.values.get(column)
        return cell_stats(vals) if vals else None


@dataclass
class Leaderboard:
    """Columns and sorted rows built by :func:`build_leaderboard`."""
    columns: List[Column]
    rows: List[Row]


def student_label(student: str) -> str:
    """Paper name of a record student id (``r18`` -> ``ResNet-18``)."""
    return student_name(student)


def teacher_label(teacher: str) -> str:
    """Display label of a record teacher (see the module docstring)."""
    name, sep, weights = teacher.partition(' (')
    if sep and weights.endswith(')'):
        weights = weights[:-1]
        if '/' in weights or weights.endswith(('.pt', '.pth')):
            weights = osp.basename(weights)
        teacher = f'{name} ({weights})'
    if _OPEN_CLIP_NAME.match(teacher):
        teacher = 'CLIP ' + _OPEN_CLIP_NAME.sub(r'\1', teacher, count=1)
    return teacher


def _pretrain(record: BenchmarkRecord) -> str:
    label = record.extra.get('pretrain')
    if label:
        return str(label)
    epochs = record.extra.get('epochs')
    return f'{epochs}e' if epochs is not None else ''


def _run_label(record: BenchmarkRecord) -> str:
    """``'<pre-training seed>/<transfer seed>'`` of a record (``?`` when
    unknown)."""
    extra = record.extra

    def show(v):
        return '?' if v is None else str(v)

    return f'{show(extra.get("pretrain_seed"))}/{show(extra.get("seed"))}'


def _fmt(value: Optional[float], digits: int = 1) -> str:
    """A table cell: blank for a missing value."""
    return '' if value is None else f'{value:.{digits}f}'


def load_records(
    work_dirs: Sequence[str], reported: Sequence[str] = ()
) -> List[BenchmarkRecord]:
    """Records of every work dir plus the reported rows of metafiles.

    Raises:
        FileNotFoundError: A work dir (or metafile path) does not exist.
        ValueError: A work dir holds no benchmark record; nothing to show.
    """
    if not work_dirs:
        raise ValueError('no work dir given: pass the folders holding the '
                         'records of tools/benchmark.py')
    records = []
    for path in work_dirs:
        found = find_records([path])
        if not found:
            raise ValueError(
                f'no benchmark records in {path}: expected JSON files of '
                'schema lgd_mm.benchmark.v1 written by tools/benchmark.py')
        records += found
    if reported:
        records += reported_records(reported)
    return records


def _task_rank(task: str) -> tuple:
    order = list(TASKS)
    return (order.index(task), '') if task in order else (len(order), task)


def build_leaderboard(records: Iterable[BenchmarkRecord]) -> Leaderboard:
    """Group records into rows and columns (see the module docstring)."""
    rows: 'OrderedDict[tuple, Row]' = OrderedDict()
    columns = set()
    seen = set()
    for rec in records:
        # the same record reached twice (overlapping work dirs) counts once
        ident = (rec.key, rec.protocol, repr(sorted(rec.metrics.items())),
                 repr(sorted(rec.extra.items())))
        if ident in seen:
            continue
        seen.add(ident)
        key = (rec.method, rec.student, teacher_label(rec.teacher),
               _pretrain(rec), rec.source, bool(rec.shortened))
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(*key)
        if row.params_m is None:
            row.params_m = rec.params_m
        if row.flops_g is None:
            row.flops_g = rec.flops_g
        if rec.reference and rec.reference not in row.references:
            row.references.append(rec.reference)
        for metric, value in rec.metrics.items():
            col = Column(rec.task, rec.protocol or rec.task, metric)
            columns.add(col)
            row.values.setdefault(col, []).append(float(value))
            row.runs.setdefault(col, []).append(_run_label(rec))
    cols = sorted(
        columns,
        key=lambda c:
        (_task_rank(c.task), c.protocol, METRIC_NAMES.index(c.metric)))

    # pre-training labels keep their input order (metafiles list them as
    # the papers do); rows without one come last in their group
    labels = list(dict.fromkeys(key[3] for key in rows))

    students = student_ids()

    def row_rank(row: Row) -> tuple:
        known = row.student in students
        return (row.shortened, not known,
                students.index(row.student) if known else row.student,
                row.method.lower(), not row.pretrain,
                labels.index(row.pretrain), row.teacher,
                _SOURCE_ORDER.index(row.source))

    return Leaderboard(cols, sorted(rows.values(), key=row_rank))


def _header() -> List[str]:
    return [
        'method', 'student', 'teacher', 'pre-training', 'source', 'params (M)'
    ]


def _row_cells(row: Row) -> List[str]:
    return [
        row.method,
        student_label(row.student), row.teacher, row.pretrain,
        row.source + (' (shortened run)' if row.shortened else ''),
        _fmt(row.params_m)
    ]


def write_markdown(board: Leaderboard,
                   path: str,
                   title: str = 'Leaderboard') -> str:
    """Write the Markdown table (with notes and references) to ``path``."""
    head = _header() + [c.header for c in board.columns]
    lines = [
        f'# {title}', '', '| ' + ' | '.join(head) + ' |',
        '|' + '---|' * len(head)
    ]
    refs: List[str] = []
    tied = {col: _tied(board, col) for col in board.columns}
    for row in board.rows:
        cells = _row_cells(row)
        for col in board.columns:
            cell = _md_value(row.stats(col))
            cells.append(f'**{cell}**' if id(row) in tied[col] else cell)
        if row.source == 'reported' and row.references:
            marks = []
            for ref in row.references:
                if ref not in refs:
                    refs.append(ref)
                marks.append(f'[{refs.index(ref) + 1}]')
            cells[4] += ' ' + ''.join(marks)
        lines.append('| ' + ' | '.join(_md_cell(c) for c in cells) + ' |')
    lines += [
        '', 'Values in percent. *ours*: measured by this suite; '
        '*reported*: numbers from papers (configs/*/metafile.yml). '
        'Each column is one task under one protocol; compare rows only '
        'within a column. A blank cell has no result. With K ≥ 2 runs '
        '(seeds) a cell shows mean ± half width of the 95 % t-interval '
        '(n=K); **bold**: the best mean of the column and the rows whose '
        'intervals overlap it (statistically tied with the best; rows with '
        'one run are never marked). See docs/benchmarks.md §6.'
    ]
    if any(row.shortened for row in board.rows):
        lines += [
            '', '*shortened run*: the pre-training or transfer departed from '
            'its protocol (--smoke, fewer epochs, a data subset, another '
            'batch; the records\' `shortened` field says how). These rows '
            'check that code runs; they are not results.'
        ]
    if refs:
        lines += ['', 'References:', '']
        lines += [f'{i}. {_md_cell(ref)}' for i, ref in enumerate(refs, 1)]
    atomic_write_text(path, '\n'.join(lines) + '\n')
    return path


def _tied(board: Leaderboard, col: Column) -> set:
    """``id`` of the rows statistically tied with the column's best, among
    the measured rows (reported and shortened rows are never marked)."""
    cells = {
        id(r): r.stats(col)
        for r in board.rows
        if r.values.get(col) and r.source == 'ours' and not r.shortened
    }
    return tied_with_best(cells)[1]


def _md_value(stats: Optional[CellStats]) -> str:
    if stats is None:
        return ''
    if stats.half_width is None:
        return _fmt(stats.mean)
    return f'{stats.mean:.1f} ± {stats.half_width:.1f} (n={stats.n})'


def write_csv(board: Leaderboard, path: str) -> str:
    """Write the table as CSV (blank cells for missing results).

    Per column: the mean (the column header), then ``<header> ci95`` (half
    width of the 95 % t-interval), ``<header> sd``, ``<header> n`` and
    ``<header> runs`` (``<pre-training seed>/<seed>=<value>`` per run).
    """
    with atomic_write(path, 'w', newline='') as f:
        writer = csv.writer(f)
        head = _header()
        for c in board.columns:
            head += [
                c.header, f'{c.header} ci95', f'{c.header} sd',
                f'{c.header} n', f'{c.header} runs'
            ]
        writer.writerow(head + ['reference'])
        for row in board.rows:
            cells = _row_cells(row)
            for c in board.columns:
                st = row.stats(c)
                if st is None:
                    cells += [''] * 5
                    continue
                runs = '; '.join(
                    f'{label}={v:g}'
                    for label, v in zip(row.runs[c], row.values[c]))
                cells += [
                    _fmt(st.mean),
                    _fmt(st.half_width, 2),
                    _fmt(st.sd, 2),
                    str(st.n), runs
                ]
            writer.writerow(
                [_csv_cell(c) for c in cells + ['; '.join(row.references)]])
    return path


def _md_cell(text: str) -> str:
    """Record text as one Markdown table cell: ``|`` escaped, line breaks
    and other control characters made spaces."""
    text = ''.join(' ' if ord(c) < 32 else c for c in str(text))
    return text.replace('|', '\\|')


def _csv_cell(text: str) -> str:
    """Record text as one CSV cell that spreadsheets show as text: a cell
    that would start a formula (``=``, ``+``, ``@``, or ``-`` not followed
    by a number) gets a leading apostrophe."""
    text = str(text)
    formula = text[:1] in ('=', '+', '@') or (text[:1] == '-'
                                              and not text[1:2].isdigit()
                                              and text != '-')
    return "'" + text if formula else text


def _points(board: Leaderboard, col: Column, x: str) -> list:
    pts = []
    for row in board.rows:
        xv, yv = getattr(row, x), row.value(col)
        if xv is not None and yv is not None and math.isfinite(xv):
            pts.append((row, xv, yv))
    return pts


def select_column(board: Leaderboard,
                  metric: Optional[str] = None,
                  x: str = 'params_m') -> Optional[Column]:
    """The plotted column.

    Args:
        board (Leaderboard): The table.
        metric (str, optional): ``'METRIC'`` (e.g. ``'box_AP'``: its column
            with the most points) or ``'TASK:METRIC'``. None picks the first
            of box AP, mIoU, mask AP and top-1 that has a point to plot.
        x (str): ``'params_m'`` or ``'flops_g'``.

    Returns:
        Column | None: None when no column has a point to plot.
    """
    if metric:
        task, _, name = metric.rpartition(':')
        cands = [
            c for c in board.columns
            if c.metric == name and (not task or c.task == task)
        ]
        if not cands:
            raise ValueError(
                f'no column for metric {metric!r}; available: '
                f'{[f"{c.task}:{c.metric}" for c in board.columns]}')
    else:
        cands = [
            c for m in _PLOT_METRICS for c in board.columns if c.metric == m
        ] or list(board.columns)
    with_pts = [c for c in cands if _points(board, c, x)]
    if not with_pts:
        return cands[0] if metric else None
    if metric:
        return max(with_pts, key=lambda c: len(_points(board, c, x)))
    return with_pts[0]


def plot_leaderboard(board: Leaderboard,
                     path: str,
                     metric: Optional[str] = None,
                     x: str = 'params_m') -> Optional[Column]:
    """Plot a metric against backbone size; returns the plotted column.

    One colour and marker per method; ours filled, reported hollow; each
    point labelled with its student (and pre-training label).
    """
    if x not in _X_AXES:
        raise ValueError(f'x must be one of {sorted(_X_AXES)}, got {x!r}')
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    col = select_column(board, metric, x)
    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=120)
    pts = _points(board, col, x) if col is not None else []
    if not pts:
        ax.text(
            0.5,
            0.5, 'no result with a metric and backbone size to '
            'plot',
            ha='center',
            va='center',
            transform=ax.transAxes)
        ax.set_axis_off()
    else:
        methods = list(dict.fromkeys(r.method for r, _, _ in pts))
        colours = plt.get_cmap('tab10')
        markers = 'osD^vP*Xh<>'
        style = {
            m: (colours(i % 10), markers[i % len(markers)])
            for i, m in enumerate(methods)
        }
        for row, xv, yv in pts:
            colour, marker = style[row.method]
            ax.scatter([xv], [yv],
                       s=70,
                       marker=marker,
                       linewidths=1.5,
                       edgecolors=[colour],
                       facecolors=[colour] if row.source == 'ours' else 'none',
                       zorder=3)
            label = ' '.join(
                s for s in (student_label(row.student), row.pretrain) if s)
            ax.annotate(
                label, (xv, yv),
                xytext=(6, -3),
                textcoords='offset points',
                fontsize=7,
                color='0.25')
        handles = [
            Line2D([], [],
                   ls='',
                   marker=style[m][1],
                   color=style[m][0],
                   markersize=8,
                   label=m) for m in methods
        ]
        handles += [
            Line2D([], [],
                   ls='',
                   marker='o',
                   color='0.4',
                   markersize=8,
                   label='ours'),
            Line2D([], [],
                   ls='',
                   marker='o',
                   color='0.4',
                   markersize=8,
                   markerfacecolor='none',
                   label='reported')
        ]
        ax.legend(handles=handles, fontsize=8, loc='best', framealpha=0.8)
        ax.set_xlabel(_X_AXES[x])
        ax.set_ylabel(f'{col.metric} (%)')
        ax.set_title(f'{col.header} vs {_X_AXES[x].split(" (")[0]}')
        ax.grid(alpha=0.3)
        xs = [p[1] for p in pts]
        pad = 0.15 * (max(xs) - min(xs) or max(xs) or 1.)
        ax.set_xlim(min(xs) - pad, max(xs) + 2 * pad)
    fig.tight_layout()
    with atomic_write(path, 'wb') as f:
        fig.savefig(f, format=osp.splitext(path)[1][1:] or 'png')
    plt.close(fig)
    return col


def make_leaderboard(work_dirs: Sequence[str],
                     out_dir: str,
                     reported: Sequence[str] = (),
                     metric: Optional[str] = None,
                     x: str = 'params_m',
                     title: str = 'Leaderboard',
                     include_shortened: bool = False) -> Dict[str, str]:
    """Write ``leaderboard.{md,csv,png}`` into ``out_dir``.

    Records of shortened runs (``--smoke``, fewer epochs, a data subset,
    see :mod:`lgd_mm.utils.protocol`) are left out, with a log line, unless
    ``include_shortened``; then they form separate rows labelled
    *shortened run*, after the others.

    Args:
        work_dirs (Sequence[str]): Folders (searched recursively) or files
            holding benchmark records; each must hold at least one.
        out_dir (str): Output folder.
        reported (Sequence[str]): Metafiles or folders searched for
            ``metafile.yml`` (e.g. ``['configs']``) for reported rows.
        metric (str, optional): Plotted metric, see :func:`select_column`.
        x (str): Plot x axis, ``'params_m'`` or ``'flops_g'``.
        title (str): Markdown title.
        include_shortened (bool): Show shortened runs. Defaults to False.

    The PNG plots ``metric`` against backbone size
    (:func:`plot_leaderboard`), or, when ``metric`` is not given and every
    row has the same student, one panel per task with the methods' means
    and intervals (:func:`~lgd_mm.benchmark.metric_chart.plot_metric_chart`).

    Returns:
        dict: Paths under ``md``, ``csv`` and ``png``, and what was plotted
        under ``plotted`` (None if nothing was plottable).
    """
    records = load_records(work_dirs, reported)
    if not include_shortened:
        kept = [r for r in records if not r.shortened]
        if len(kept) < len(records):
            print_log(
                f'leaderboard: left out {len(records) - len(kept)} records '
                'of shortened runs (include_shortened=True / '
                '--include-shortened shows them, labelled)',
                logger='current')
        if not kept:
            raise ValueError(
                'every record comes from a shortened run (e.g. '
                f'{records[0].shortened[0]!r} in {records[0].key}); these '
                'are checks, not results. Pass --include-shortened to show '
                'them, labelled.')
        records = kept
    board = build_leaderboard(records)
    paths = dict(
        md=write_markdown(board, osp.join(out_dir, 'leaderboard.md'), title),
        csv=write_csv(board, osp.join(out_dir, 'leaderboard.csv')))
    png = osp.join(out_dir, 'leaderboard.png')
    if metric is None and len({r.student for r in board.rows}) == 1:
        # one student: every row has one size; compare methods per metric
        return dict(paths, png=png, plotted=plot_metric_chart(board, png))
    col = plot_leaderboard(board, png, metric, x)
    return dict(paths, png=png, plotted=col.header if col else None)
