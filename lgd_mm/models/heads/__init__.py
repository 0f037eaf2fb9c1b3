from .batchnorm_linear_head import BatchNormLinearClsHead
from .kd_head import KDHead
from .lgd_head import LGDHead
from .seed_head import SEEDHead
from .similarity import bank_logits, zero_shot_labels

__all__ = [
    'BatchNormLinearClsHead', 'LGDHead', 'bank_logits', 'zero_shot_labels',
    'KDHead', 'SEEDHead'
]
