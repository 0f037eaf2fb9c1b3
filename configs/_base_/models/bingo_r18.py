# BINGO (ICLR 2022) in LGD's fair setting (lgd_method.md §6): InfoNCE at
# tau 0.2 against a 65,536 queue of teacher embeddings, for the anchor and
# a neighbour from its 5-NN bag. Needs the bag dataset and BagNeighborsHook
# (configs/bingo).
_base_ = './lgd_r18.py'

model = dict(
    _delete_=True,
    type='BINGO',
    backbone={{_base_.model.backbone}},
    neck={{_base_.model.neck}},
    teacher={{_base_.model.teacher}},
    # evaluation only: zero-shot over ImageNet, as for LGD (§3)
    text_bank={{_base_.model.text_bank}},
    head=dict(
        type='ContrastiveHead',
        loss=dict(type='CrossEntropyLoss'),
        temperature=0.2),
    queue_size=65536,
    num_neighbors=5,
    intra_weight=0.5,
    inter_weight=0.5)
