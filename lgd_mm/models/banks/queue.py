"""FIFO queue of embeddings (SEED, BINGO, DisCo; lgd_method.md §6)."""
from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from lgd_mm.registry import MODELS
from lgd_mm.utils.memory import check_memory


@MODELS.register_module()
class InstanceQueue(BaseModule):
    """A first-in-first-out queue of L2-normalised embeddings.

    The MoCo/SEED memory: ``queue`` (D, K) starts as random unit columns
    (drawn from the global RNG, so ranks seeded alike start alike) and every
    step the keys of the *global* batch replace the oldest ``N`` columns.
    ``queue`` and the write pointer ``ptr`` are persistent buffers, so
    mmengine checkpoints carry the queue and a resumed run continues it.

    Args:
        embed_dim (int): Embedding size ``D``.
        size (int): Number of entries ``K``. Defaults to 65536 (SEED §4,
            MoCo v2).
        init_cfg (dict or List[dict], optional): Initialization config dict.
            Defaults to None.
    """

    def __init__(self,
                 embed_dim: int,
                 size: int = 65536,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if int(embed_dim) <= 0 or int(size) <= 0:
            raise ValueError('embed_dim and size must be positive, got '
                             f'{embed_dim} and {size}')
        self.embed_dim = int(embed_dim)
        self.size = int(size)
        # fail with an estimate, not with an allocator error (or an OOM
        # when the model moves to the GPU)
        what = f'InstanceQueue ({self.embed_dim} x {self.size} fp32)'
        num_bytes = 4 * self.embed_dim * self.size
        hint = 'Reduce model.queue_size.'
        check_memory(what, num_bytes, 'cpu', hint=hint)
        if torch.cuda.is_available():
            check_memory(what, num_bytes, 'cuda', hint=hint)
        queue = F.normalize(torch.randn(self.embed_dim, self.size), dim=0)
        self.register_buffer('queue', queue)
        self.register_buffer('ptr', torch.zeros(1, dtype=torch.long))

    @property
    def bank(self) -> torch.Tensor:
        """torch.Tensor: The queue (D, K), one entry per column, updated in
        place by :meth:`enqueue`."""
        return self.queue

    @torch.no_grad()
    def enqueue(self, keys: torch.Tensor) -> None:
        """Replace the oldest entries by ``keys`` (in their order).

        Args:
            keys (torch.Tensor): Keys of the global batch (N, D), already
                gathered from all ranks (``BaseDistiller.gather``), so every
                rank writes the same columns. ``N`` must divide the queue
                size, which keeps each write contiguous.
        """
        if keys.dim() != 2 or keys.size(1) != self.embed_dim:
            raise ValueError(f'keys must have shape (N, {self.embed_dim}), '
                             f'got {tuple(keys.shape)}')
        num = keys.size(0)
        if num == 0 or self.size % num:
            raise ValueError(
                f'the global batch ({num} keys gathered from all ranks) must '
                f'divide the queue size {self.size}; change the batch size, '
                'the number of GPUs or queue_size')
        start = int(self.ptr)
        self.queue[:,
                   start:start + num] = keys.detach().to(self.queue.dtype).t()
        self.ptr[0] = (start + num) % self.size

    def extra_repr(self) -> str:
        return f'embed_dim={self.embed_dim}, size={self.size}'
