# 1% labels: 13 images per class, drawn by
#   python tools/make_subset.py data/imagenet/meta/train.txt \
#       data/imagenet/meta/train_13pc_seed0.txt --per-class 13 --seed 0
# (the subset probe schedule is unverified; the full-data one is used).
_base_ = './linear_8xb32-steplr-100e_in1k.py'
train_dataloader = dict(dataset=dict(ann_file='meta/train_13pc_seed0.txt'))
