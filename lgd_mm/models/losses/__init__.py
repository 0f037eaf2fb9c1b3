from .soft_ce import SoftCrossEntropyLoss, soft_cross_entropy

__all__ = ['SoftCrossEntropyLoss', 'soft_cross_entropy']
