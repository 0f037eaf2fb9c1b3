"""Two-process DDP on CPU (torchrun, gloo): banks agree across ranks and
with a one-process run of the same global batch."""
import os
import os.path as osp
import subprocess
import sys

import torch

HERE = osp.dirname(osp.abspath(__file__))
WORKER = osp.join(HERE, 'lgd_ddp_worker.py')


def _run(cmd, cwd):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc.stdout + proc.stderr


def test_banks_identical_across_ranks_and_to_single_process(
        tmp_path, toyworld):
    work = str(tmp_path)
    log = _run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        '--master_port=29533', WORKER,
        str(toyworld), work, '--batch-size', '4', '--steps', '3'
    ], cwd=work)
    assert 'Distributed launcher: pytorch' in log or 'launcher' in log
    _run([sys.executable, WORKER, str(toyworld), work, '--batch-size', '8',
          '--steps', '3'], cwd=work)

    r0 = torch.load(osp.join(work, 'bank_w2_r0.pth'), weights_only=True)
    r1 = torch.load(osp.join(work, 'bank_w2_r1.pth'), weights_only=True)
    single = torch.load(osp.join(work, 'bank_w1_r0.pth'), weights_only=True)
    assert r0['world_size'] == 2 and single['world_size'] == 1
    # identical on both ranks without any broadcast
    assert torch.equal(r0['prototypes'], r1['prototypes'])
    assert torch.equal(r0['initialized'], r1['initialized'])
    # and equal to one process seeing the same 3 global batches of 8
    assert torch.equal(r0['initialized'], single['initialized'])
    assert r0['initialized'].any()
    torch.testing.assert_close(
        r0['prototypes'], single['prototypes'], rtol=1e-5, atol=1e-6)
