# ToyWorld's class-folder split (64 px, one object per image) for the
# classification protocols: the images are used at their size (no resize).
_base_ = ['./toyworld.py']
data_root = '{{$TOYWORLD_ROOT:data/toyworld}}/cls'
metainfo = dict(classes={{_base_.toyworld_classes}})
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
toyworld_val = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='ImageNet',
        data_root=data_root,
        split='val',
        metainfo=metainfo,
        pipeline=test_pipeline))
toyworld_train_eval = dict(
    toyworld_val,
    dataset=dict(toyworld_val['dataset'], split='train'))
