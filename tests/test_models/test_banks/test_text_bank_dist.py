"""The text bank is built once per job: rank 0 encodes (and caches), the
other ranks receive it (two CPU processes, gloo)."""
import os.path as osp

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from lgd_mm.models.banks.text_bank import TextualSemanticsBank
from lgd_mm.models.teachers.factory import create_clip_model


def _worker(rank, world, init_file, out_dir):
    dist.init_process_group(
        'gloo', init_method=f'file://{init_file}', rank=rank, world_size=world)
    try:
        torch.manual_seed(0)
        model, tok = create_clip_model('lgd-tiny-rn')
        calls = []
        encode = model.encode_text
        model.encode_text = lambda t: calls.append(1) or encode(t)
        passes = []
        model.transformer.register_forward_hook(lambda *_: passes.append(1))
        bank = TextualSemanticsBank(
            vocab=['cat', 'dog', 'teddy bear'],
            templates='simple',
            cache_dir=osp.join(out_dir, 'cache'))
        bank.build(model, tok, 'lgd-tiny-rn')
        torch.save(
            dict(
                bank=bank.bank,
                passes=len(passes),
                cache_file=bank.meta.get('cache_file'),
                from_cache=bank.meta['from_cache']),
            osp.join(out_dir, f'rank{rank}.pth'))
    finally:
        dist.destroy_process_group()


def test_rank0_builds_others_receive(tmp_path):
    mp.spawn(
        _worker,
        args=(2, str(tmp_path / 'init'), str(tmp_path)),
        nprocs=2,
        join=True)
    r0, r1 = (
        torch.load(tmp_path / f'rank{r}.pth', weights_only=True)
        for r in (0, 1))
    assert r0['passes'] > 0 and r1['passes'] == 0  # rank 1 never encoded
    assert torch.equal(r0['bank'], r1['bank']) and r0['bank'].shape == (32, 3)
    assert r0['cache_file'] == r1['cache_file']
    assert osp.isfile(r0['cache_file'])
    assert r0['from_cache'] is False and r1['from_cache'] is False
