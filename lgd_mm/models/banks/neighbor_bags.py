"""BINGO's bags: the teacher-space neighbours of every training image."""
from typing import List, Optional, Union

import torch
from mmengine.model import BaseModule

from lgd_mm.registry import MODELS

_KEY_BYTES = 32  # a sha256 digest


@MODELS.register_module()
class NeighborBags(BaseModule):
    """The bag of each training image: its ``k`` nearest teacher-space
    neighbours, self excluded (BINGO §3.1, lgd_method.md §6).

    Held as persistent buffers so mmengine checkpoints carry the bags and a
    resumed run samples from the very same ones:

    - ``neighbors`` (N, k), int32: dataset indices, nearest first; (0, k)
      until :meth:`set` fills it (by the ``BagNeighborsHook`` pre-pass).
    - ``key`` (32, ), uint8: sha256 of (teacher, data list, pipeline, k)
      the table was computed for, all zeros when empty.

    Args:
        num_neighbors (int): ``k``, the bag size without the anchor.
            Defaults to 5 (the official BINGO setting).
        init_cfg (dict or List[dict], optional): Initialization config dict.
            Defaults to None.
    """

    def __init__(self,
                 num_neighbors: int = 5,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if int(num_neighbors) < 1:
            raise ValueError(
                f'num_neighbors must be >= 1, got {num_neighbors}')
        self.num_neighbors = int(num_neighbors)
        self.register_buffer(
            'neighbors', torch.zeros(0, self.num_neighbors, dtype=torch.int32))
        self.register_buffer('key', torch.zeros(_KEY_BYTES, dtype=torch.uint8))

    @property
    def is_built(self) -> bool:
        """Whether the bags have been computed or loaded."""
        return self.neighbors.size(0) > 0

    @property
    def key_hex(self) -> Optional[str]:
        """The hex key of the stored table; None when empty."""
        if not self.is_built:
            return None
        return bytes(self.key.cpu().tolist()).hex()

    @torch.no_grad()
    def set(self, neighbors: torch.Tensor, key_hex: str) -> None:
        """Store a (N, k) neighbour table computed for ``key_hex``."""
        if neighbors.dim() != 2 or neighbors.size(1) != self.num_neighbors:
            raise ValueError(f'neighbors must be (N, {self.num_neighbors}), '
                             f'got {tuple(neighbors.shape)}')
        digest = bytes.fromhex(key_hex)
        if len(digest) != _KEY_BYTES:
            raise ValueError(f'key must be a sha256 hex digest, got '
                             f'{key_hex!r}')
        self.neighbors = neighbors.to(
            device=self.key.device, dtype=torch.int32).contiguous()
        self.key = torch.tensor(
            list(digest), dtype=torch.uint8, device=self.key.device)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs):
        # The table's length is the dataset's, unknown at construction:
        # take the checkpoint's shape so resuming restores the bags.
        incoming = state_dict.get(prefix + 'neighbors')
        if torch.is_tensor(incoming) and incoming.dim() == 2 and \
                incoming.size(1) == self.num_neighbors:
            self.neighbors = self.neighbors.new_zeros(incoming.shape)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def extra_repr(self) -> str:
        return (f'num_neighbors={self.num_neighbors}, '
                f'num_images={self.neighbors.size(0)}')
