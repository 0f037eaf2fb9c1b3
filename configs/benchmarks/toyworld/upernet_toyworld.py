# ToyWorld scenes (ADE20K layout, 128 px) for mmseg/upernet_*_ade20k.py;
# used by the toyworld_upernet task of tools/benchmark.py.
_base_ = ['./_base_/toyworld_seg.py']
model = dict(
    decode_head=dict(num_classes={{_base_.toyworld_num_classes}}),
    auxiliary_head=dict(num_classes={{_base_.toyworld_num_classes}}))
