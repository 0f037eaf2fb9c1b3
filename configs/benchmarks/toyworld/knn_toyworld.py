# ToyWorld class folders for classification/knn_*_in1k.py: the train split
# is the memory, val votes (k 20, T 0.07, as stock); used by the
# toyworld_knn task of tools/benchmark.py.
_base_ = ['./_base_/toyworld_cls.py']
test_dataloader = {{_base_.toyworld_val}}
test_cfg = dict(memory_dataloader={{_base_.toyworld_train_eval}})
