"""Measure the text-bank encode: trimmed vs full context, time and equality.

Encodes the prompts of ``--classes`` names of a vocabulary (the ones with
the longest prompts, then evenly spaced others) once with the trimmed
context that :class:`TextualSemanticsBank` uses and once with CLIP's full
77-token context, and prints the times, prompts per second and the largest
difference of the resulting bank columns::

    OMP_NUM_THREADS=2 python tools/misc/bench_text_bank.py \\
        --model RN50-quickgelu

The full ImageNet bank is timed by ``tools/build_text_bank.py`` itself
(``built in N s``); this script gives the speed-up and the equality check
without the 80-minute full-context encode of all 1000 classes.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

from lgd_mm.models.banks.text_bank import TextualSemanticsBank, fill_template
from lgd_mm.models.teachers.factory import create_clip_model


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', default='RN50-quickgelu')
    parser.add_argument(
        '--pretrained', default=None, help='weights (default: random init)')
    parser.add_argument('--vocab', default='imagenet')
    parser.add_argument('--classes', type=int, default=40)
    parser.add_argument('--batch-size', type=int, default=256)
    return parser.parse_args()


def full_context_bank(model, tokenizer, names, templates, batch_size):
    """The bank by the definition: every prompt at the full context."""
    prompts = [fill_template(t, n) for n in names for t in templates]
    feats = []
    with torch.inference_mode():
        for i in range(0, len(prompts), batch_size):
            feats.append(
                F.normalize(
                    model.encode_text(tokenizer(prompts[i:i +
                                                        batch_size])).float(),
                    dim=-1))
    feats = torch.cat(feats).view(len(names), len(templates), -1)
    return F.normalize(feats.mean(1), dim=-1).t()


def main():
    args = parse_args()
    torch.manual_seed(0)
    model, tokenizer = create_clip_model(args.model, args.pretrained)
    full_vocab = TextualSemanticsBank(vocab=args.vocab)
    templates = full_vocab.templates
    # the names whose prompts are longest, then evenly spaced others
    lengths = tokenizer([
        fill_template(templates[0], n) for n in full_vocab.class_names
    ]).argmax(-1)
    order = torch.argsort(lengths, descending=True, stable=True).tolist()
    longest = order[:args.classes // 2]
    step = max(1, len(order) // (args.classes - len(longest)))
    rest = [i for i in order[::step] if i not in longest]
    picked = sorted(longest + rest[:args.classes - len(longest)])
    names = [full_vocab.class_names[i] for i in picked]

    bank = TextualSemanticsBank(
        vocab=names, templates=templates, batch_size=args.batch_size)
    start = time.perf_counter()
    trimmed = bank.build(model, tokenizer, args.model)
    trimmed_s = time.perf_counter() - start
    start = time.perf_counter()
    full = full_context_bank(model, tokenizer, bank.class_names, templates,
                             args.batch_size)
    full_s = time.perf_counter() - start
    prompts = len(names) * len(templates)
    print(
        json.dumps(
            dict(
                model=args.model,
                classes=len(names),
                prompts=prompts,
                threads=torch.get_num_threads(),
                trimmed_s=round(trimmed_s, 1),
                full_s=round(full_s, 1),
                trimmed_prompts_per_s=round(prompts / trimmed_s, 1),
                full_prompts_per_s=round(prompts / full_s, 1),
                speedup=round(full_s / trimmed_s, 2),
                max_abs_diff=float((trimmed - full).abs().max()),
                context=bank.meta['encode_context']),
            indent=1))


if __name__ == '__main__':
    main()
