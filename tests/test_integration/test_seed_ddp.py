"""SEED under two-process DDP on CPU (torchrun, gloo): the queue holds
the gathered teacher keys of both ranks, in rank order, on every rank."""
import os
import os.path as osp
import subprocess
import sys

import torch

HERE = osp.dirname(osp.abspath(__file__))
WORKER = osp.join(HERE, 'seed_ddp_worker.py')


def test_queue_gathers_both_ranks_and_wraps(tmp_path, toyworld):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        '--master_port=29547', WORKER,
        str(toyworld),
        str(tmp_path)
    ],
                          capture_output=True,
                          text=True,
                          cwd=str(tmp_path),
                          env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    r0, r1 = (
        torch.load(tmp_path / f'queue_r{r}.pth', weights_only=True)
        for r in (0, 1))
    assert r0['world_size'] == 2
    assert torch.equal(r0['queue'], r1['queue'])
    assert torch.equal(r0['keys'], r1['keys'])  # same frozen teacher
    # 3 steps x global batch 4 in a queue of 8: wrapped once
    assert int(r0['ptr']) == int(r1['ptr']) == 4
    # unshuffled DefaultSampler: rank r reads images r, r + 2, ...; a
    # step's global batch is rank 0's 2 keys, then rank 1's
    step = [[0, 2, 1, 3], [4, 6, 5, 7], [8, 10, 9, 11]]
    expected = r0['keys'][step[2] + step[1]].t()  # step 3 overwrote 1
    torch.testing.assert_close(r0['queue'], expected, rtol=1e-5, atol=1e-6)
