"""Write the backbone-only weights of a pre-training checkpoint.

The output (``state_dict`` of ``backbone.*`` tensors plus a primitives-only
``meta``) loads with ``torch.load(weights_only=True)`` and as
``init_cfg=dict(type='Pretrained', checkpoint=OUT, prefix='backbone.')`` in
stock mmdet / mmseg / mmpretrain configs.

Examples::

    # lgd_mm (or any mmengine) distillation checkpoint
    python tools/extract_backbone.py work_dirs/lgd_r18/epoch_200.pth \\
        work_dirs/lgd_r18/backbone.pth
    # keep the projector too, for zero-shot evaluation
    python tools/extract_backbone.py CKPT OUT --keep-head
    # torchvision weights / an official-LGD checkpoint
    python tools/extract_backbone.py resnet18-f37072fd.pth OUT
    python tools/extract_backbone.py lgd_official_r18.pth.tar OUT
"""
import argparse
import json
import os.path as osp

import lgd_mm  # noqa: F401  (safe checkpoint loading)
from lgd_mm.benchmark.extract import extract_backbone


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='input checkpoint')
    parser.add_argument('out', help='output file')
    parser.add_argument(
        '--keep-head',
        action='store_true',
        help='also keep the projector (neck.*), for zero-shot evaluation')
    parser.add_argument(
        '--layout',
        default='auto',
        choices=[
            'auto', 'mmengine', 'official-lgd', 'torchvision-resnet',
            'torchvision-mobilenet_v2'
        ],
        help='input key layout (default: detected)')
    parser.add_argument(
        '--norm',
        choices=['clip', 'imagenet', 'none'],
        help='pre-training normalisation to record (default: what the '
        'checkpoint records, else clip for official-LGD files, imagenet for '
        'torchvision files, none for other mmengine files)')
    parser.add_argument(
        '--method', help='method label to record, e.g. "supervised"')
    parser.add_argument(
        '--trusted',
        action='store_true',
        help='unpickle the whole file (only for files you trust, e.g. '
        'third-party checkpoints that pickle their options)')
    args = parser.parse_args(argv)
    if _same_file(args.checkpoint, args.out):
        parser.error(
            f'the output {args.out} is the input checkpoint '
            f'{args.checkpoint}: writing it would replace the runner '
            'checkpoint with the backbone-only file. Choose another output '
            'path, e.g. backbone.pth next to it.')
    return args


def _same_file(src: str, out: str) -> bool:
    """Whether ``out`` names ``src`` (after links; same inode if both
    exist)."""
    src, out = osp.expanduser(src), osp.expanduser(out)
    if osp.exists(src) and osp.exists(out):
        return osp.samefile(src, out)
    return osp.realpath(src) == osp.realpath(out)


def main(argv=None):
    args = parse_args(argv)
    payload = extract_backbone(
        args.checkpoint,
        args.out,
        keep_head=args.keep_head,
        layout=args.layout,
        norm=args.norm,
        method=args.method,
        trusted=args.trusted)
    sd = payload['state_dict']
    heads = sum(not k.startswith('backbone.') for k in sd)
    print(f'wrote {args.out}: {len(sd) - heads} backbone tensors' +
          (f' + {heads} head tensors' if heads else ''))
    print(json.dumps(payload['meta'], indent=2, sort_keys=True))


if __name__ == '__main__':
    main()
