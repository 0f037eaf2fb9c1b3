from .projection_neck_alias import ProjectionNeck

__all__ = ['ProjectionNeck']
