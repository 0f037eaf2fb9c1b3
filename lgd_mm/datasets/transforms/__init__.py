from .loading import BadImageError, CheckedLoadImageFromFile

__all__ = ['BadImageError', 'CheckedLoadImageFromFile']
