"""Probe: does the demo's student learn ToyWorld's shapes with labels?

Trains ResNet-18 at half width (the ``r18-half`` student) with
cross-entropy on ToyWorld's class folders held in memory (flip only, no
other augmentation, one-cycle LR), outside mmengine, to separate the
optimisation from the data pipeline. ``--init`` / ``--head-init`` switch
between PyTorch's layer defaults and the initialisation the Runner applies
(mmpretrain's ``init_weights``). Prints train loss and val top-1 per
epoch. docs/toyworld.md gives the results::

    OMP_NUM_THREADS=2 python tools/misc/toyworld_optimizer_probe.py \\
        data/toyworld --optimizer adamw --epochs 8 --init mm-nozero
"""
import argparse
import glob
import os
import os.path as osp
import time

import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.models import ResNet
from PIL import Image


def load(root, split, classes):
    images, labels = [], []
    for i, name in enumerate(classes):
        for path in sorted(glob.glob(osp.join(root, split, name, '*'))):
            images.append(np.array(Image.open(path).convert('RGB')))
            labels.append(i)
    x = torch.tensor(np.stack(images)).permute(0, 3, 1, 2).float()
    return (x - 127.5) / 64, torch.tensor(labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('toyworld', help='ToyWorld root (holds cls/)')
    parser.add_argument('--optimizer', choices=['sgd', 'adamw'], default='sgd')
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--init',
        choices=['torch', 'mm', 'mm-nozero'],
        default='torch',
        help='torch: PyTorch layer defaults; mm: the Runner\'s '
        'init_weights() (Kaiming conv, zero-init residual BN); mm-nozero: '
        'the same with unit residual BN gains')
    parser.add_argument('--lr', type=float, default=None)
    parser.add_argument(
        '--head-init',
        choices=['torch', 'mm'],
        default='torch',
        help='mm: LinearClsHead\'s N(0, 0.01) weights')
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    root = osp.join(args.toyworld, 'cls')
    classes = sorted(os.listdir(osp.join(root, 'train')))
    x_train, y_train = load(root, 'train', classes)
    x_val, y_val = load(root, 'val', classes)
    backbone = ResNet(
        depth=18,
        stem_channels=32,
        base_channels=32,
        zero_init_residual=args.init != 'mm-nozero')
    head = torch.nn.Linear(256, len(classes))
    if args.init != 'torch':
        backbone.init_weights()
    if args.head_init == 'mm':
        torch.nn.init.normal_(head.weight, 0, 0.01)
        torch.nn.init.zeros_(head.bias)
    params = list(backbone.parameters()) + list(head.parameters())
    if args.optimizer == 'sgd':  # the former ToyWorld recipe's optimizer
        opt = torch.optim.SGD(
            params, lr=args.lr or 0.1, momentum=0.9, weight_decay=1e-4)
    else:
        opt = torch.optim.AdamW(
            params, lr=args.lr or 1e-3, weight_decay=0.05)
    per_epoch = len(x_train) // 32
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt,
        max_lr=opt.param_groups[0]['lr'],
        total_steps=args.epochs * per_epoch,
        pct_start=0.25)

    def forward(x):
        return head(backbone(x)[-1].mean((2, 3)))

    start = time.time()
    for epoch in range(args.epochs):
        backbone.train()
        order, total = torch.randperm(len(x_train)), 0.
        for i in range(per_epoch):
            idx = order[i * 32:(i + 1) * 32]
            x = x_train[idx]
            if rng.random() < 0.5:
                x = x.flip(3)
            loss = F.cross_entropy(forward(x), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        backbone.eval()
        with torch.no_grad():
            top1 = (forward(x_val).argmax(1) == y_val).float().mean()
        print(
            f'{args.optimizer} epoch {epoch}: train loss '
            f'{total / per_epoch:.3f}, val top-1 {100 * top1:.1f} % '
            f'({time.time() - start:.0f} s)',
            flush=True)


if __name__ == '__main__':
    main()
