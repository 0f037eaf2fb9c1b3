"""Build (or verify) the cached Textual Semantics Bank of a CLIP model.

Run this once before training so every run loads the bank from the cache
instead of encoding C x 80 prompts::

    python tools/build_text_bank.py --model RN50-quickgelu \\
        --pretrained /path/to/RN50.pt --vocab imagenet

The default ``--cache-dir`` (``data/text_banks``) is the ``cache_dir`` of
every shipped config, and the cache key covers the text weights, prompts
and class list, so training and ``tools/benchmark.py`` find this file.
"""
import argparse
import os.path as osp
import time
import warnings

import torch

from lgd_mm.models.banks.text_bank import (DEFAULT_CACHE_DIR, TEMPLATE_SETS,
                                           TextualSemanticsBank)
from lgd_mm.models.teachers.factory import create_clip_model

DTYPES = dict(fp32=torch.float32, fp16=torch.float16, bf16=torch.bfloat16)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Build the cached Textual Semantics Bank (TSB)')
    parser.add_argument(
        '--model',
        default='RN50-quickgelu',
        help='open_clip architecture name (default: RN50-quickgelu)')
    parser.add_argument(
        '--pretrained',
        default=None,
        help='open_clip pretrained tag (e.g. openai) or checkpoint path; '
        'omitted: random init (tests only)')
    parser.add_argument(
        '--vocab',
        default='imagenet',
        help='shipped vocabulary key or a text file, one class per line')
    parser.add_argument(
        '--templates',
        default='openai_imagenet',
        help=f'{" | ".join(TEMPLATE_SETS)} or a text file with one format '
        'string per line, e.g. "a photo of a {}."')
    parser.add_argument(
        '--cache-dir',
        default=DEFAULT_CACHE_DIR,
        help=f'folder of cached banks (default: {DEFAULT_CACHE_DIR}, the '
        'cache_dir of the shipped configs)')
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='e.g. cpu, cuda:0 (default: cuda when available)')
    parser.add_argument(
        '--dtype',
        choices=list(DTYPES),
        default='fp32',
        help='cast the model like the teacher config does (CLIPTeacher '
        'dtype); the weights, hence the cache key, depend on it')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed for random init, so reruns without --pretrained give '
        'the same weights and hit the cache (default: 0)')
    parser.add_argument(
        '--batch-size', type=int, default=256, help='prompts per forward')
    parser.add_argument(
        '--on-mismatch',
        choices=['rebuild', 'error'],
        default='rebuild',
        help='what to do with a cache file that does not match its key')
    return parser.parse_args()


def read_templates(spec: str):
    if spec in TEMPLATE_SETS or not osp.isfile(spec):
        # Unknown keys are reported by the bank itself.
        return spec
    with open(spec, encoding='utf-8') as f:
        return [line.rstrip('\r\n') for line in f if line.strip()]


def main():
    args = parse_args()
    if args.pretrained is None:
        warnings.warn('--pretrained not given: the CLIP model is randomly '
                      'initialised, so the bank is only good for tests')
    bank = TextualSemanticsBank(
        vocab=args.vocab,
        templates=read_templates(args.templates),
        cache_dir=args.cache_dir,
        on_mismatch=args.on_mismatch,
        batch_size=args.batch_size)
    print(
        f'vocab {bank.meta["vocab"]}: {bank.num_classes} classes x '
        f'{len(bank.templates)} templates',
        flush=True)

    start = time.time()
    torch.manual_seed(args.seed)
    model, tokenizer = create_clip_model(
        args.model, args.pretrained, device=args.device)
    model.to(DTYPES[args.dtype])
    load_s = time.time() - start
    start = time.time()
    bank.build(model, tokenizer, model_name=args.model, device=args.device)
    build_s = time.time() - start
    del model

    source = 'loaded from cache' if bank.meta['from_cache'] else 'built'
    print(f'{source} in {build_s:.1f}s (model load {load_s:.1f}s)')
    print(f'cache: {bank.meta.get("cache_file", "not written")}')
    print(f'shape: {tuple(bank.bank.shape)} (D, C), dtype '
          f'{bank.bank.dtype}, max |norm-1| '
          f'{(bank.bank.norm(dim=0) - 1).abs().max().item():.1e}')
    print(f'vocab_hash: {bank.vocab_hash}')
    if not torch.isfinite(bank.bank).all():
        raise SystemExit('non-finite values in the bank: check the weights')


if __name__ == '__main__':
    main()
