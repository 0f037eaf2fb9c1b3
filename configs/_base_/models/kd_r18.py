# Plain feature distillation in LGD's fair setting (lgd_method.md §6): the
# student's projection regresses the CLIP RN50 embedding (1 - cos).
_base_ = './lgd_r18.py'

model = dict(
    _delete_=True,
    type='KD',
    backbone={{_base_.model.backbone}},
    neck={{_base_.model.neck}},
    teacher={{_base_.model.teacher}},
    # evaluation only: zero-shot over ImageNet, as for LGD (§3)
    text_bank={{_base_.model.text_bank}},
    head=dict(type='KDHead', distance='cosine'))
