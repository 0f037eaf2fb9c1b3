"""Checkpoints survive a kill at any byte of a save, ``--resume`` checks
every zip member's CRC and only considers runner checkpoints, and
``extract_backbone.py X X`` is refused."""
import os
import os.path as osp
import runpy
import subprocess
import sys
import textwrap
import zipfile

import pytest
import torch

import lgd_mm.engine.runner.resume as resume_mod
from lgd_mm.engine.runner.resume import find_resumable_checkpoint
from lgd_mm.utils import safe_torch_load
from lgd_mm.engine.runner import build_runner
from runner_utils import ROOT, subprocess_env
from toy_runner import toy_config

# A toy run (2 epochs, max_keep_ckpts=1) whose epoch-2 save is SIGKILLed
# after FRACTION of the file's bytes are on disk.
_KILLED_RUN = textwrap.dedent('''
    import io, os, signal, sys
    import torch
    import mmengine.runner.runner as runner_module
    from lgd_mm.engine.runner import build_runner
    from toy_runner import toy_config

    work_dir, fraction = sys.argv[1], float(sys.argv[2])
    real_save, calls = runner_module.save_checkpoint, []

    def save_then_die(checkpoint, filepath, **kwargs):
        calls.append(filepath)
        if len(calls) < 2:
            return real_save(checkpoint, filepath, **kwargs)
        buf = io.BytesIO()
        torch.save(checkpoint, buf)
        data = buf.getvalue()
        with open(filepath, 'wb') as f:
            f.write(data[:int(len(data) * fraction)])
        os.kill(os.getpid(), signal.SIGKILL)

    runner_module.save_checkpoint = save_then_die
    build_runner(toy_config(work_dir)).train()
''')


def _messages(monkeypatch):
    logged = []
    monkeypatch.setattr(resume_mod, 'print_log',
                        lambda msg, **kw: logged.append(msg))
    return logged


@pytest.mark.parametrize('fraction', [0.0, 0.5, 1.0])
def test_kill_during_save_keeps_the_last_good_checkpoint(tmp_path, fraction):
    work = tmp_path / 'work'
    proc = subprocess.run(
        [sys.executable, '-c', _KILLED_RUN,
         str(work),
         str(fraction)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=subprocess_env())
    assert proc.returncode == -9, proc.stderr[-3000:]
    epoch1 = str(work / 'epoch_1.pth')
    # the previous checkpoint is still there and named by last_checkpoint
    # (mmengine deleted it before writing epoch_2 and pointed at epoch_2)
    assert osp.isfile(epoch1)
    assert (work / 'last_checkpoint').read_text().strip() == epoch1
    assert not (work / 'epoch_2.pth').exists()
    assert find_resumable_checkpoint(str(work)) == epoch1
    assert safe_torch_load(epoch1)['meta']['epoch'] == 1

    # --resume continues; the dead run's temp file and its stale work-dir
    # lock are cleaned up, the outdated checkpoint pruned after the save
    cfg = toy_config(work)
    cfg.resume, cfg.load_from = True, epoch1
    with pytest.warns(UserWarning, match='stale lock of PID'):
        runner = build_runner(cfg)
    runner.train()
    assert runner.epoch == 2
    names = sorted(os.listdir(work))
    assert 'epoch_2.pth' in names and 'epoch_1.pth' not in names
    assert not [n for n in names if n.endswith('.tmp')], names
    assert (work / 'last_checkpoint').read_text().strip() == str(work /
                                                                 'epoch_2.pth')
    assert find_resumable_checkpoint(str(work)) == str(work / 'epoch_2.pth')


def _runner_like(path, tensor):
    torch.save(
        dict(
            meta=dict(epoch=1, iter=4),
            state_dict=dict(w=tensor),
            message_hub=dict()), path)


def test_resume_checks_every_member_crc(tmp_path, monkeypatch):
    old, new = str(tmp_path / 'iter_2.pth'), str(tmp_path / 'iter_4.pth')
    tensor = torch.arange(256 * 1024, dtype=torch.float32)  # 1 MB
    _runner_like(old, tensor)
    _runner_like(new, tensor + 1)
    (tmp_path / 'last_checkpoint').write_text(new)
    # 64 KB zeroed inside the tensor: same size, intact zip end record
    data = bytearray(open(new, 'rb').read())
    start = bytes(data).find((tensor + 1).numpy().tobytes()[:4096])
    assert start > 0
    data[start + 4096:start + 4096 + 65536] = bytes(65536)
    open(new, 'wb').write(bytes(data))
    assert osp.getsize(new) == osp.getsize(old) and zipfile.is_zipfile(new)

    logged = _messages(monkeypatch)
    assert find_resumable_checkpoint(str(tmp_path)) == old
    assert len(logged) == 1
    assert new in logged[0] and 'CRC mismatch' in logged[0]
    assert 'named in last_checkpoint' in logged[0]
    # an explicit --resume PATH is refused with the file and the reason
    with pytest.raises(
            ValueError,
            match=r'iter_4.pth: the checkpoint is '
            r'corrupt: CRC mismatch'):
        resume_mod.verify_resume_checkpoint(new)
    resume_mod.verify_resume_checkpoint(old)


def test_resume_only_considers_runner_checkpoints(tmp_path, monkeypatch):
    good = str(tmp_path / 'epoch_2.pth')
    _runner_like(good, torch.ones(3))
    later = os.path.getmtime(good) + 10
    # newer files that are not runner checkpoints
    for name in ('backbone.pth', 'teacher.pth'):
        torch.save(dict(state_dict=dict(w=torch.ones(1))), tmp_path / name)
        os.utime(tmp_path / name, (later, later))
    (tmp_path / 'last_checkpoint').write_text('')
    assert find_resumable_checkpoint(str(tmp_path)) == good
    # a truncated newer runner checkpoint is skipped and named
    (tmp_path / 'epoch_3.pth').write_bytes(open(good, 'rb').read()[:100])
    os.utime(tmp_path / 'epoch_3.pth', (later, later))
    logged = _messages(monkeypatch)
    assert find_resumable_checkpoint(str(tmp_path)) == good
    assert 'epoch_3.pth (truncated' in logged[0]
    # nothing intact: start from scratch, saying why
    os.remove(good)
    assert find_resumable_checkpoint(str(tmp_path)) is None
    assert 'no intact checkpoint' in logged[-1]


def test_extract_backbone_refuses_to_overwrite_its_input(tmp_path, capsys):
    ckpt = tmp_path / 'epoch_1.pth'
    _runner_like(str(ckpt), torch.ones(3))
    before = ckpt.read_bytes()
    link = tmp_path / 'link.pth'
    link.symlink_to(ckpt)
    tool = runpy.run_path(osp.join(ROOT, 'tools', 'extract_backbone.py'))
    for out in (str(ckpt), str(link),
                osp.join(str(tmp_path), '.', 'epoch_1.pth')):
        with pytest.raises(SystemExit) as exc:
            tool['main']([str(ckpt), out])
        assert exc.value.code == 2
        assert 'is the input checkpoint' in capsys.readouterr().err
    assert ckpt.read_bytes() == before
