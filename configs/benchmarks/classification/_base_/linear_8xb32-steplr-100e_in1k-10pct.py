# 10% labels: 128 images per class, drawn by
#   python tools/make_subset.py data/imagenet/meta/train.txt \
#       data/imagenet/meta/train_128pc_seed0.txt --per-class 128 --seed 0
_base_ = './linear_8xb32-steplr-100e_in1k.py'
train_dataloader = dict(dataset=dict(ann_file='meta/train_128pc_seed0.txt'))
