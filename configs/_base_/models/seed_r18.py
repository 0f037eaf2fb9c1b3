# SEED (ICLR 2021) in LGD's fair setting (lgd_method.md §6): LGD's student,
# projector, CLIP RN50 teacher and zero-shot text bank, SEED's objective.
_base_ = './lgd_r18.py'

model = dict(
    _delete_=True,
    type='SEED',
    backbone={{_base_.model.backbone}},
    neck={{_base_.model.neck}},
    teacher={{_base_.model.teacher}},
    # evaluation only: zero-shot over ImageNet, as for LGD (§3)
    text_bank={{_base_.model.text_bank}},
    head=dict(
        type='SEEDHead',
        loss=dict(type='SoftCrossEntropyLoss'),
        student_temp=0.2,
        teacher_temp=0.01),
    queue_size=65536)
