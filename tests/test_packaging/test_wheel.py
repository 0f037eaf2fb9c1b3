"""lgd_mm from a built wheel, outside the checkout.

Builds the wheel from a copy of the source tree, installs it into a fresh
virtualenv that reuses the installed stack (torch, OpenMMLab, open_clip)
through a path file, and runs one ToyWorld benchmark task from a folder
outside the checkout: the configs must come from the package (``.mim``),
not from the repository.
"""
import os
import os.path as osp
import shutil
import subprocess
import sys
import sysconfig
import textwrap

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

SCRIPT = textwrap.dedent('''
    import json, os, os.path as osp, sys
    import lgd_mm
    from lgd_mm.benchmark import BenchmarkRecord, run
    from lgd_mm.datasets.toyworld import generate_toyworld
    from lgd_mm.utils.config_paths import config_path, config_root

    checkout = sys.argv[1]
    assert not lgd_mm.__file__.startswith(checkout), lgd_mm.__file__
    assert config_root().endswith(osp.join('lgd_mm', '.mim', 'configs'))
    assert not config_root().startswith(checkout)
    data = osp.abspath('toyworld')
    generate_toyworld(data, seed=0, preset='ci', progress=False)
    os.environ['TOYWORLD_ROOT'] = data
    loader = dict(num_workers=0, persistent_workers=False)
    paths = run(
        config_path('reference', 'random_r18.py'),
        tasks=['toyworld_knn'],
        work_dir='bench',
        cfg_options={
            'test_dataloader.num_workers': 0,
            'test_dataloader.persistent_workers': False,
            'test_dataloader.dataset.indices': 16,
            'test_cfg.memory_dataloader.num_workers': 0,
            'test_cfg.memory_dataloader.persistent_workers': False,
            'test_cfg.memory_dataloader.dataset.indices': 32,
        })
    record = BenchmarkRecord.load(paths[0])
    print(json.dumps(dict(task=record.task, student=record.student,
                          config=record.extra['config'],
                          metrics=record.metrics)))
''')


def _copy_sources(dst):
    """Tracked and untracked-but-not-ignored files of the checkout."""
    files = subprocess.run(
        ['git', 'ls-files', '--cached', '--others', '--exclude-standard'],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    for rel in files:
        src = osp.join(ROOT, rel)
        if osp.isfile(src):
            os.makedirs(osp.dirname(osp.join(dst, rel)), exist_ok=True)
            shutil.copy2(src, osp.join(dst, rel))


def test_wheel_runs_a_benchmark_outside_the_checkout(tmp_path):
    src = tmp_path / 'src'
    _copy_sources(str(src))
    wheels = tmp_path / 'wheels'
    subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps',
        '--no-build-isolation', '-q', '-w',
        str(wheels), str(src)
    ], check=True, capture_output=True)
    wheel = next(wheels.glob('lgd_mm-*.whl'))

    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip',
                    str(venv)], check=True)
    python = str(venv / 'bin' / 'python')
    site = subprocess.run(
        [python, '-c', 'import sysconfig; print(sysconfig.get_paths()'
         '["purelib"])'], check=True, capture_output=True,
        text=True).stdout.strip()
    # the installed stack, after the venv's own site-packages; its .pth
    # files (the checkout's editable lgd_mm) are not processed
    with open(osp.join(site, 'lgd_mm_test_stack.pth'), 'w') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    subprocess.run([
        sys.executable, '-m', 'pip', '--python', python, 'install',
        '--no-deps', '--no-index', '-q',
        str(wheel)
    ], check=True, capture_output=True)

    run_dir = tmp_path / 'elsewhere'
    run_dir.mkdir()
    (run_dir / 'bench.py').write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(HF_HUB_OFFLINE='1', OMP_NUM_THREADS='1')
    out = subprocess.run([python, 'bench.py', ROOT], cwd=run_dir, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    import json
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result['task'] == 'toyworld_knn' and result['student'] == 'r18'
    assert result['config'] == (
        'configs/benchmarks/classification/knn_r18-ssl-pre_k20-t0.07_in1k.py')
    assert 0.0 <= result['metrics']['top1'] <= 100.0
