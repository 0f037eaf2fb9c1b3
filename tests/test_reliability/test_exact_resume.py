"""Kill a real training process mid-epoch (SIGKILL), resume it with
``tools/train.py --resume`` and compare every later loss value with an
uninterrupted run."""
import os
import os.path as osp
import signal
import subprocess
import time

import torch

from lgd_mm.engine.runner import find_resumable_checkpoint
from lgd_mm.utils import safe_torch_load
from runner_utils import (ROOT, read_losses, recorder_key, run_train,
                          subprocess_env, tiny_lgd_options, train_cmd,
                          write_recording_config)

ITERS_PER_EPOCH = 4  # 8 images, batch 2
EPOCHS = 3
CKPT_INTERVAL = 3  # iterations 3, 6, 9: all inside an epoch
KILL_AFTER = 7  # recorded iterations; the latest checkpoint is then 6 (or 9)


def _options(toyworld, work_dir, out_file):
    opts = tiny_lgd_options(
        toyworld, work_dir, num_train=8, batch_size=2, epochs=EPOCHS)
    opts.update({
        'default_hooks.checkpoint.by_epoch': False,
        'default_hooks.checkpoint.interval': CKPT_INTERVAL,
        'default_hooks.checkpoint.max_keep_ckpts': 2,
        'randomness.deterministic': True,
        recorder_key(): out_file,
    })
    return opts


def _start(config, work_dir, opts):
    """tools/train.py in the background, output to ``<work_dir>.out``."""
    with open(f'{work_dir}.out', 'w') as out:
        return subprocess.Popen(
            train_cmd(config, work_dir, opts),
            cwd=ROOT,
            env=subprocess_env(),
            stdout=out,
            stderr=subprocess.STDOUT)


def _tail(work_dir):
    with open(f'{work_dir}.out') as f:
        return f.read()[-3000:]


def test_sigkill_mid_epoch_then_resume_gives_identical_losses(
        tmp_path, toyworld):
    config = write_recording_config(str(tmp_path / 'recording.py'))
    ref_dir, run_dir = str(tmp_path / 'reference'), str(tmp_path / 'killed')
    ref_log = str(tmp_path / 'reference.jsonl')
    run_log = str(tmp_path / 'killed.jsonl')
    resumed_log = str(tmp_path / 'resumed.jsonl')

    # the uninterrupted reference and the run to kill, side by side
    ref = _start(config, ref_dir, _options(toyworld, ref_dir, ref_log))
    victim = _start(config, run_dir, _options(toyworld, run_dir, run_log))
    deadline = time.time() + 600  # generous: CI machines may be busy
    while time.time() < deadline and victim.poll() is None:
        segments = read_losses(run_log)
        if segments and len(segments[0][1]) >= KILL_AFTER:
            os.kill(victim.pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL, _tail(run_dir)
    ref.wait(timeout=600)
    assert ref.returncode == 0, _tail(ref_dir)

    killed_at = max(read_losses(run_log)[0][1])
    assert KILL_AFTER <= killed_at < EPOCHS * ITERS_PER_EPOCH
    latest = find_resumable_checkpoint(run_dir)
    ckpt_iter = safe_torch_load(latest)['meta']['iter']
    # the newest checkpoint is inside an epoch (6, or 9 if the run got there)
    assert ckpt_iter in (6, 9) and ckpt_iter % ITERS_PER_EPOCH != 0

    proc = run_train(config, run_dir, _options(toyworld, run_dir, resumed_log),
                     '--resume')
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f'continues at batch {ckpt_iter % ITERS_PER_EPOCH + 1} of ' \
        f'{ITERS_PER_EPOCH}' in proc.stdout + proc.stderr

    reference = read_losses(ref_log)[0][1]
    (start, resumed), = read_losses(resumed_log)
    assert start == ckpt_iter
    assert sorted(resumed) == list(
        range(ckpt_iter + 1, EPOCHS * ITERS_PER_EPOCH + 1))
    for it, values in resumed.items():
        # bit-identical: loss, loss_vis, loss_tex and the bank diagnostics
        assert values == reference[it], (it, values, reference[it])

    # and the final states agree: student, banks (+ flags), optimizer
    last = f'iter_{EPOCHS * ITERS_PER_EPOCH}.pth'
    a = safe_torch_load(osp.join(ref_dir, last))
    b = safe_torch_load(osp.join(run_dir, last))
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    for pid, state in a['optimizer']['state'].items():
        assert torch.equal(state['momentum_buffer'],
                           b['optimizer']['state'][pid]['momentum_buffer'])
    assert a['param_schedulers'] == b['param_schedulers']


def test_truncated_latest_checkpoint_is_skipped(tmp_path):
    good, cut = tmp_path / 'iter_3.pth', tmp_path / 'iter_6.pth'
    torch.save(dict(meta=dict(iter=3)), good)
    torch.save(dict(meta=dict(iter=6), pad=torch.zeros(1000)), cut)
    cut.write_bytes(cut.read_bytes()[:300])  # killed while saving
    os.utime(good, (1, 1))  # older than the cut file
    (tmp_path / 'last_checkpoint').write_text(str(cut))
    assert find_resumable_checkpoint(str(tmp_path)) == str(good)
    (tmp_path / 'last_checkpoint').write_text('')  # pointer cut too
    assert find_resumable_checkpoint(str(tmp_path)) == str(good)
    assert find_resumable_checkpoint(str(tmp_path / 'empty')) is None


def test_rng_states_round_trip_through_a_safe_checkpoint(tmp_path):
    import random

    import numpy as np

    from lgd_mm.engine.runner import capture_rng_state, restore_rng_state
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    np.random.randn()  # leaves a cached gaussian in numpy's state
    path = tmp_path / 'rng.pth'
    torch.save(dict(rng=capture_rng_state()), path)
    expected = (random.random(), np.random.rand(), np.random.randn(),
                torch.rand(2))
    # plain weights_only loading, no allow-list needed
    restore_rng_state(torch.load(path, weights_only=True)['rng'])
    got = (random.random(), np.random.rand(), np.random.randn(), torch.rand(2))
    assert got[:3] == expected[:3] and torch.equal(got[3], expected[3])
