"""Markdown tables of a speed benchmark result (docs/performance.md)."""
import math
from typing import List, Optional, Sequence


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return '-'
    if isinstance(value, float):
        if math.isnan(value):
            return '-'
        return f'{value:.{digits}f}'
    return str(value)


def _table(header: Sequence[str], rows: List[Sequence]) -> str:
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join('---' for _ in header) + '|'
    ]
    lines += [
        '| ' +
        ' | '.join(_fmt(c) if not isinstance(c, str) else c
                   for c in row) + ' |' for row in rows
    ]
    return '\n'.join(lines)


def machine_line(machine: dict) -> str:
    """One line: CPU, cores, threads, memory, versions, device, load."""
    flags = ' '.join(machine.get('cpu_flags') or [])
    cpu = (f"{machine.get('cpu')} ({machine.get('cpu_count')} cores, "
           f"{machine.get('torch_threads')} torch threads"
           f"{', ' + flags if flags else ''})")
    device = machine.get('device')
    if machine.get('gpu'):
        device += f" ({machine['gpu']})"
    parts = [
        cpu, f"{machine.get('mem_total_gb')} GB RAM",
        f"Python {machine.get('python')}", f"torch {machine.get('torch')}",
        f'device {device}'
    ]
    for key, label in (('loadavg_start', 'start'), ('loadavg_end', 'end')):
        if machine.get(key):
            parts.append(f'load average at {label} {machine[key][0]}')
    return ', '.join(parts)


def steps_table(section: dict, data: Optional[dict] = None) -> str:
    """One row per (student, variant): phases in ms, images/s, ratios."""
    per_worker = None
    if data:
        config_rows = [
            r for r in data['rows']
            if r.get('resize') == 'config' and 'pipeline_img_s' in r
        ]
        if config_rows:
            per_worker = max(r['pipeline_img_s'] for r in config_rows)
    header = [
        'student', 'variant', 'img/s', 'x plain', 'step ms', 'teacher fwd',
        'student fwd', 'backward', 'LGD', 'optimizer', 'preproc+other',
        'LGD %', 'LGKA ms', 'peak MB'
    ]
    if per_worker:
        header.append('workers to feed')
    rows = []
    for r in section['rows']:
        p = r['phases_ms']
        parts = [
            p['teacher_fwd'], p['student_fwd'], p['backward'], p['lgd'],
            p['optimizer'], p['preprocess'] + p['other'],
            _fmt(100 * r['lgd_share'], 2),
            _fmt(r['lgka_update_ms'], 2)
        ]
        if r.get('compiled'):  # one graph: no breakdown
            parts = ['-'] * len(parts)
        row = [
            r['student'], r['variant'], r['images_per_s'],
            _fmt(r['speedup_vs_plain'], 2), r['total_ms'], *parts,
            _fmt(r['peak_mem_mb'], 0)
        ]
        if per_worker:
            row.append(str(math.ceil(r['images_per_s'] / per_worker)))
        rows.append(row)
    return _table(header, rows)


def lgka_table(section: dict) -> str:
    header = [
        'C', 'N', 'classes present', 'vectorised ms', 'loop ms',
        'of which input copy', 'speedup', 'read keys once ms', 'max speedup',
        'max abs diff'
    ]
    rows = [[
        r['num_classes'], r['batch'], r['classes_present'],
        _fmt(r['vectorised_ms'], 3),
        _fmt(r['loop_ms'], 2),
        _fmt(r['loop_copy_ms'], 2),
        _fmt(r['speedup'], 1),
        _fmt(r['read_keys_ms'], 3),
        _fmt(r['max_speedup'], 0), f"{r['max_abs_diff']:.1e}"
    ] for r in section['rows']]
    text = _table(header, rows)
    scaling = section.get('scaling', {})
    notes = []
    for key, label in (('vs_batch', 'N at C'), ('vs_classes', 'C at N')):
        vals = scaling.get(key) or {}
        if vals:
            notes.append(f'log-log slope of the vectorised time vs {label}: ' +
                         ', '.join(f'{k}: {v:.2f}' for k, v in vals.items()))
    if notes:
        text += '\n\n' + '\n'.join(f'- {n}' for n in notes)
    return text


def data_table(section: dict) -> str:
    header = [
        'decode backend', 'RandomResizedCrop backend', 'decode only img/s',
        'train pipeline img/s per worker'
    ]
    rows = []
    for r in section['rows']:
        if 'unavailable' in r:
            rows.append(
                [r['decode'], r['resize'], 'unavailable', r['unavailable']])
        else:
            rows.append([
                r['decode'], r['resize'],
                _fmt(r['decode_only_img_s'], 0),
                _fmt(r['pipeline_img_s'], 0)
            ])
    img = section['images']
    text = (f"{img['count']} JPEGs of {img['size'][0]}x{img['size'][1]} "
            f"(mean {img['mean_kb']} kB)\n\n" + _table(header, rows))
    if section.get('loader'):
        text += '\n\nThe dataset config\'s train dataloader:\n\n' + _table([
            'num_workers', 'prefetch_factor', 'persistent_workers', 'img/s',
            'first batch of an epoch s'
        ], [[
            r['workers'], r['prefetch_factor'],
            str(r['persistent_workers']),
            _fmt(r['images_per_s'], 0),
            _fmt(r['first_batch_s'], 2)
        ] for r in section['loader']])
    return text


def checkpoint_table(section: dict) -> str:
    return _table([
        'student', 'lgd_mm checkpoint MiB', 'with the CLIP model '
        'MiB', 'teacher keys', 'CLIP params M',
        'params M the teacher holds (image tower)'
    ], [[
        section['student'], section['lgd_mm'], section['with_clip'],
        section['teacher_keys'], section['clip_params_m'],
        f"{section['held_teacher_params_m']:.1f} "
        f"({section['held_visual_params_m']:.1f})"
    ]])


def store_table(section: dict) -> str:
    """Online vs stored steps, the teacher pass and the replay loader."""
    text = _table([
        'student', 'teacher', 'img/s', 'step ms', 'teacher fwd ms',
        'stored / online'
    ], [[
        r['student'],
        'stored' if r['variant'].endswith('+stored') else 'online',
        r['images_per_s'], r['total_ms'], r['phases_ms']['teacher_fwd'],
        _fmt(r.get('stored_speedup'), 2)
    ] for r in section['rows']])
    passes = section['teacher_pass']
    text += (
        '\n\nTeacher pass (store writing, loader workers '
        f"{passes[0]['loader_workers']}):\n\n" +
        _table(['model of', 'views/s', 'bytes per view'],
               [[p['student'], p['views_per_s'],
                 _fmt(p['bytes_per_view'], 0)] for p in passes]))
    text += ('\n\nImageNet-1k store at 10 views: '
             f"{section['in1k_k10_gb']:.1f} GB.")
    if section.get('loader'):
        text += '\n\nTrain loader (decode, view, store read):\n\n' + _table(
            ['loader', 'num_workers', 'img/s', 'img/s per worker'], [[
                r['kind'], r['workers'],
                _fmt(r['images_per_s'], 0),
                _fmt(r['per_worker'], 0)
            ] for r in section['loader']])
    return text


def markdown_report(result: dict) -> str:
    """All sections of ``result`` present, as markdown."""
    parts = [f"Machine: {machine_line(result['machine'])}"]
    if 'steps' in result:
        s = result['steps']
        parts.append(
            f"### Train step (teacher {s['teacher']}, batch {s['batch']}, "
            f"{s['image_size']} px, C = {s['num_classes']}, median of "
            f"{s['iters']} steps)\n\n" + steps_table(s, result.get('data')))
    if 'store' in result:
        s = result['store']
        parts.append(
            f"### Online vs stored teacher ({s['teacher']}, {s['variant']}, "
            f"batch {s['batch']}, {s['image_size']} px, median of "
            f"{s['iters']} steps; store of {s['num_images']} images x "
            f"{s['num_views']} views)\n\n" + store_table(s))
    if 'lgka' in result:
        threads = result['lgka'].get('threads')
        parts.append('### LGKA update vs per-class loop (D = 1024'
                     f"{f', {threads} thread(s)' if threads else ''})\n\n" +
                     lgka_table(result['lgka']))
    if 'data' in result:
        parts.append('### Data pipeline (one worker)\n\n' +
                     data_table(result['data']))
    if 'checkpoint' in result:
        parts.append('### Checkpoint size\n\n' +
                     checkpoint_table(result['checkpoint']))
    return '\n\n'.join(parts) + '\n'
