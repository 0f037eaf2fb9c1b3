"""Feature distillation: a distance between student and teacher
embeddings."""
from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from lgd_mm.registry import MODELS

_DISTANCES = ('cosine', 'mse')


@MODELS.register_module()
class KDHead(BaseModule):
    """Regress the student projection onto the teacher embedding.

    - ``'cosine'``: ``1 - cos(p_S, z_T)``, averaged over the batch.
    - ``'mse'``: ``||p_S - z_T||^2`` summed over the embedding and averaged
      over the batch, with ``p_S`` the raw projection, or its L2-normalised
      version when ``normalize`` is True (DisCo's consistency term, where it
      equals ``2 - 2 cos``).

    Computed in fp32 with the teacher embedding detached. Used by the plain
    KD baseline and by DisCo.

    Args:
        distance (str): ``'cosine'`` or ``'mse'``. Defaults to 'cosine'.
        normalize (bool): L2-normalise the projection before the MSE.
            Ignored by the cosine distance. Defaults to False.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        init_cfg (dict or List[dict], optional): Initialization config dict.
            Defaults to None.
    """

    def __init__(self,
                 distance: str = 'cosine',
                 normalize: bool = False,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if distance not in _DISTANCES:
            raise ValueError(f'distance must be one of {_DISTANCES}, got '
                             f'{distance!r}')
        if not isinstance(normalize, bool):
            raise TypeError(f'normalize must be a bool, got {normalize!r}')
        self.distance = distance
        self.normalize = normalize
        self.loss_weight = float(loss_weight)

    def loss(self, proj: torch.Tensor, z_t: torch.Tensor) -> torch.Tensor:
        """The weighted distance.

        Args:
            proj (torch.Tensor): Student projections (B, D), not normalised.
            z_t (torch.Tensor): Teacher embeddings (B, D).

        Returns:
            torch.Tensor: fp32 scalar loss.
        """
        if proj.dim() != 2 or proj.shape != z_t.shape:
            raise ValueError('KDHead expects student and teacher embeddings '
                             f'of the same (B, D) shape, got '
                             f'{tuple(proj.shape)} and {tuple(z_t.shape)}')
        with torch.autocast(device_type=proj.device.type, enabled=False):
            proj, z_t = proj.float(), z_t.detach().float()
            if self.distance == 'cosine':
                loss = 1 - F.cosine_similarity(proj, z_t, dim=1)
            else:
                if self.normalize:
                    proj = F.normalize(proj, dim=1)
                loss = (proj - z_t).pow(2).sum(dim=1)
        return self.loss_weight * loss.mean()

    def extra_repr(self) -> str:
        return (f'distance={self.distance!r}, normalize={self.normalize}, '
                f'loss_weight={self.loss_weight}')
