from .param_remap import ParamRemapInit, remap_resnet, wider_map

__all__ = ['ParamRemapInit', 'remap_resnet', 'wider_map']
