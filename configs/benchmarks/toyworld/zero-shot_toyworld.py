# ToyWorld val for classification/zero-shot_*_in1k.py: the text bank of
# ToyWorld's class names (the toy teacher's text tower, cached); the
# teacher itself follows the checkpoint (tools/benchmark.py); used by the
# toyworld_zero_shot task.
_base_ = ['./_base_/toyworld_cls.py']
model = dict(
    text_bank=dict(
        vocab='{{$TOYWORLD_ROOT:data/toyworld}}/classnames.txt',
        cache_dir='{{$TOYWORLD_ROOT:data/toyworld}}/text_banks'))
test_dataloader = {{_base_.toyworld_val}}
