# The student of the ToyWorld demo: ResNet-18 at half width (stem and base
# 32 channels, 2.8 M parameters), the ImageNet student's architecture and
# code path at ~1/3 of its CPU time. Downstream runs set the same widths
# (tools/demo.py passes them as --cfg-options).
student = dict(
    type='ResNet',
    depth=18,
    stem_channels=32,
    base_channels=32,
    norm_cfg=dict(type='BN'))
student_channels = 256  # last stage
