from .knn import KNNAccuracy, KNNTestLoop, extract_features, weighted_knn
from .zero_shot import ZeroShotAccuracy

__all__ = [
    'ZeroShotAccuracy', 'KNNAccuracy', 'KNNTestLoop', 'extract_features',
    'weighted_knn'
]
