"""A second run in a work dir stops at once, naming the first; a dead run's
lock is taken over with a warning; the lock is freed when a run ends, also
on an exception."""
import json
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

from lgd_mm.engine.runner import build_runner
from runner_utils import ROOT, subprocess_env
from toy_runner import toy_config

LOCK_NAME = '.lgd_mm.lock'

_HOLD = textwrap.dedent('''
    import sys, time
    from lgd_mm.utils.work_dir_lock import acquire_work_dir_lock
    acquire_work_dir_lock(sys.argv[1])
    print('locked', flush=True)
    time.sleep(120)
''')

_FAIL = textwrap.dedent('''
    import sys
    from lgd_mm.engine.runner import build_runner
    from toy_runner import toy_config
    runner = build_runner(toy_config(sys.argv[1]))
    raise RuntimeError('boom')
''')


def _python(code, *args, **kwargs):
    return subprocess.Popen([sys.executable, '-c', code, *args],
                            cwd=ROOT,
                            env=subprocess_env(),
                            text=True,
                            **kwargs)


def test_second_run_in_a_locked_work_dir_stops_at_once(tmp_path):
    work = tmp_path / 'work'
    first = _python(_HOLD, str(work), stdout=subprocess.PIPE)
    try:
        assert first.stdout.readline().strip() == 'locked'
        holder = json.loads((work / LOCK_NAME).read_text())
        from lgd_mm.utils.work_dir_lock import WorkDirLockedError
        with pytest.raises(WorkDirLockedError) as err:
            build_runner(toy_config(work))
        msg = str(err.value)
        assert f'PID {first.pid}' in msg and holder['start'] in msg
        assert str(work) in msg
        # nothing of the second run was written (no log folder)
        assert sorted(os.listdir(work)) == [LOCK_NAME]
    finally:
        first.kill()
        first.wait()


def test_stale_lock_is_taken_over_and_released_at_the_end(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    dead = subprocess.Popen(['true'])
    dead.wait()
    (work / LOCK_NAME).write_text(
        json.dumps(
            dict(
                pid=dead.pid,
                host=os.uname().nodename,
                start='2026-01-01 00:00:00 +0000')))
    with pytest.warns(
            UserWarning,
            match=f'stale lock of PID {dead.pid} .*started '
            '2026-01-01 00:00:00'):
        runner = build_runner(toy_config(work))
    assert json.loads((work / LOCK_NAME).read_text())['pid'] == os.getpid()
    runner.train()
    assert (work / LOCK_NAME).read_text() == ''  # released by after_run
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        build_runner(toy_config(work, epochs=3))
    # a clean release: no stale-lock warning
    assert not [w for w in caught if 'stale lock' in str(w.message)]


def test_lock_is_released_when_a_run_fails(tmp_path):
    work = tmp_path / 'work'
    proc = _python(_FAIL, str(work), stderr=subprocess.PIPE)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1 and 'boom' in err, err[-2000:]
    assert (work / LOCK_NAME).read_text() == ''
