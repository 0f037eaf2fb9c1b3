# Caltech-256 (lgd_method.md §3): 256 classes (257.clutter excluded), 60
# training images per class and the rest for validation, split by
#   python tools/make_subset.py data/caltech256/256_ObjectCategories \
#       data/caltech256/meta/train_60pc_seed0.txt --per-class 60 --seed 0 \
#       --exclude clutter --rest data/caltech256/meta/val_60pc_seed0.txt
caltech_root = 'data/caltech256'
caltech_prefix = '256_ObjectCategories'
caltech_train_ann = 'meta/train_60pc_seed0.txt'
caltech_val_ann = 'meta/val_60pc_seed0.txt'
