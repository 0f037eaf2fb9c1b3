# LGD with a CLIP RN50 teacher (§1) and a ResNet-18 student (§1.5).
model = dict(
    type='LGD',
    backbone=dict(type='ResNet', depth=18, norm_cfg=dict(type='SyncBN')),
    neck=dict(
        type='MoCoV2Neck',
        in_channels=512,
        hid_channels=512,
        out_channels=1024),
    head=dict(
        type='LGDHead',
        loss=dict(type='SoftCrossEntropyLoss'),
        student_temp=0.2,
        teacher_temp=0.01,
        vis_weight=0.5,
        tex_weight=0.5,
        use_self_positive=True),
    teacher=dict(
        type='CLIPTeacher', model_name='RN50-quickgelu', pretrained='openai'),
    text_bank=dict(
        type='TextualSemanticsBank',
        vocab='imagenet',
        templates='openai_imagenet',
        cache_dir='data/text_banks'),
    vsb_momentum=0.999)
