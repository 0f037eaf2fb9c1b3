from .zero_shot import ZeroShotAccuracy

__all__ = ['ZeroShotAccuracy']
