from .class_disjoint_sampler import ClassDisjointSampler

__all__ = ['ClassDisjointSampler']
from .replay_view_sampler import ReplayViewSampler  # noqa: E402

__all__ += ['ReplayViewSampler']
