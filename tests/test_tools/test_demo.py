"""The README's demo, CI-sized: same code path, the small ToyWorld preset."""
import json
import math
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_demo_ci_preset_end_to_end(tmp_path):
    work = tmp_path / 'demo'
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'demo.py'), '--work-dir',
        str(work), '--preset', 'ci', '--epochs', '2'
    ]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for stage in ('1/4', '2/4', '3/4', '4/4'):
        assert f'=== [demo] {stage}' in proc.stdout
    result = json.loads((work / 'demo_result.json').read_text())
    assert result['toyworld'] == dict(preset='ci', classes=16)
    assert osp.isfile(result['teacher'])
    for key in ('zero_shot/top1', 'zero_shot/teacher_top1'):
        value = result['metrics'][key]
        assert math.isfinite(value) and 0.0 <= value <= 100.0
    assert set(result['seconds']) == {'data', 'teacher', 'pretrain',
                                      'zero_shot'}
    # logs and checkpoints land in the one work dir
    assert (work / 'lgd_r18' / 'epoch_2.pth').is_file()
