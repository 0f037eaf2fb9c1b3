"""Files later runs read back are written atomically: a crash leaves the
old file (or none), never a truncated one."""
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from lgd_mm.benchmark.extract import save_payload
from lgd_mm.benchmark.leaderboard import (build_leaderboard, plot_leaderboard,
                                          write_csv, write_markdown)
from lgd_mm.benchmark.records import BenchmarkRecord
from lgd_mm.datasets.bingo_neighbors import save_bags
from lgd_mm.models.banks.text_bank import TextualSemanticsBank
from lgd_mm.utils import fileio
from lgd_mm.utils.fileio import atomic_write, atomic_write_text

OLD = b'previous complete content'


def test_atomic_write_replaces_or_keeps_the_old_file(tmp_path):
    path = tmp_path / 'sub' / 'table.md'
    atomic_write_text(str(path), 'v1\n')
    assert path.read_text() == 'v1\n'
    # permissions as for a plain open(): the umask decides
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(RuntimeError):
        with atomic_write(str(path)) as f:
            f.write('v2, half written')
            raise RuntimeError('crash mid-write')
    assert path.read_text() == 'v1\n'
    assert os.listdir(path.parent) == ['table.md']  # no temp file left
    with pytest.raises(ValueError, match='mode'):
        with atomic_write(str(path), 'a'):
            pass


def _record():
    return BenchmarkRecord(
        method='LGD',
        student='r18',
        task='in1k_knn',
        metrics=dict(top1=50.0),
        params_m=11.2)


def _writers(tmp_path):
    """Every writer of a file that a later run reads: (name, path, call)."""
    board = build_leaderboard([_record()])
    bank = TextualSemanticsBank(vocab=['cat', 'dog'], templates=['a {}.'])
    rec_dir = tmp_path / 'records'
    return [
        ('text bank cache', tmp_path / 'tsb.pth',
         lambda p: bank._save_cache(p, 'k' * 64, torch.ones(4, 2), 'm')),
        ('BINGO neighbour cache', tmp_path / 'knn.pth',
         lambda p: save_bags(p, 'k' * 64, torch.zeros(3, 2), dict(k=2))),
        ('extracted backbone', tmp_path / 'backbone.pth',
         lambda p: save_payload(dict(state_dict={}, meta={}), p)),
        ('benchmark record', rec_dir / _record().file_name(),
         lambda p: _record().dump(str(rec_dir))),
        ('leaderboard.md', tmp_path / 'leaderboard.md',
         lambda p: write_markdown(board, p)),
        ('leaderboard.csv', tmp_path / 'leaderboard.csv',
         lambda p: write_csv(board, p)),
        ('leaderboard.png', tmp_path / 'leaderboard.png',
         lambda p: plot_leaderboard(board, p)),
    ]


def test_every_writer_goes_through_the_atomic_helper(tmp_path, monkeypatch):
    real_replace = os.replace

    def killed_before_rename(src, dst):
        raise RuntimeError('killed')

    for name, path, write in _writers(tmp_path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(OLD)
        monkeypatch.setattr(fileio.os, 'replace', killed_before_rename)
        with pytest.raises(RuntimeError, match='killed'):
            write(str(path))
        monkeypatch.setattr(fileio.os, 'replace', real_replace)
        assert path.read_bytes() == OLD, f'{name} wrote {path} in place'
        assert not [p for p in os.listdir(path.parent) if p.endswith('.tmp')
                    ], f'{name} left a temp file'
        write(str(path))
        assert path.read_bytes() != OLD, name


_WRITER = '''
import sys, torch
from lgd_mm.utils.fileio import atomic_torch_save
big = torch.arange(4_000_000, dtype=torch.float32)
for i in range(1000):
    atomic_torch_save(dict(i=i, data=big + i), sys.argv[1])
    print(i, flush=True)
'''


def test_sigkill_while_saving_never_leaves_a_truncated_file(tmp_path):
    path = tmp_path / 'cache.pth'
    proc = subprocess.Popen([sys.executable, '-c', _WRITER,
                             str(path)],
                            stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().startswith('0')  # one file is complete
    time.sleep(0.3)  # now somewhere in a later write
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    blob = torch.load(str(path), weights_only=True)
    assert torch.equal(
        blob['data'],
        torch.arange(4_000_000, dtype=torch.float32) + blob['i'])
