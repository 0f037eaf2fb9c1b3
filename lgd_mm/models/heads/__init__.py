from .lgd_head import LGDHead
from .similarity import bank_logits, zero_shot_labels

__all__ = ['LGDHead', 'bank_logits', 'zero_shot_labels']
