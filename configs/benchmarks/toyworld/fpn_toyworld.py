# ToyWorld scenes (ADE20K layout, 128 px) for mmseg/fpn_*_ade20k-512x512.py:
# stock transforms at ToyWorld's size, batch 4, 300 iterations; used by the
# toyworld_fpn task of tools/benchmark.py.
_base_ = ['./_base_/toyworld_seg.py']
model = dict(
    decode_head=dict(num_classes={{_base_.toyworld_num_classes}}))
