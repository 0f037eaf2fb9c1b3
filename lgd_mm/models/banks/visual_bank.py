"""Visual Semantics Bank with the vectorised LGKA update (§1.3)."""
from typing import List, Optional, Tuple, Union

import torch
from mmengine.model import BaseModule

from lgd_mm.registry import MODELS


@MODELS.register_module()
class VisualSemanticsBank(BaseModule):
    """Visual Semantics Bank ``V`` of LGD (lgd_method.md §1.3).

    One prototype column per class of the text vocabulary, kept as persistent
    buffers so that mmengine checkpoints carry it:

    - ``prototypes`` (D, C), fp32: ``torch.randn`` columns L2-normalised at
      construction (this draws from the global RNG). A column is only read by
      the loss before its class is first seen; the first fill then replaces
      it with the class mean.
    - ``initialized`` (C, ), bool: whether a class has had its first fill.

    ``prototypes`` is a (D, C) view of row-major (C, D) storage: the logits
    ``z @ V`` read it as a transposed matrix at no cost, and the update
    reads and writes one contiguous row per class it touches instead of a
    strided column. Checkpoints keep the (D, C) shape and name.

    :meth:`update` is the Language-Guided Knowledge Aggregation (LGKA) step,
    vectorised with ``index_add_`` and identical to the per-class loop
    :func:`~lgd_mm.models.banks.lgka_reference.lgka_update_loop` up to float
    summation order. It is applied in place, once per step, after the loss
    logits were computed from the old bank.

    Args:
        num_classes (int): Vocabulary size ``C`` (that of the text bank).
        embed_dim (int): Embedding dimension ``D`` (1024 for CLIP RN50).
        momentum (float): EMA momentum ``m`` of the update. Defaults to 0.999
            (§1.3, §5.8).
        init_cfg (dict or List[dict], optional): Initialization config dict.
            Defaults to None.
    """

    #: Device types on which :meth:`update` touches only the rows of the
    #: classes present (see :meth:`_classes_in`).
    present_only_devices: Tuple[str, ...] = ('cpu', )

    def __init__(self,
                 num_classes: int,
                 embed_dim: int,
                 momentum: float = 0.999,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if int(num_classes) <= 0 or int(embed_dim) <= 0:
            raise ValueError('num_classes and embed_dim must be positive, got '
                             f'{num_classes} and {embed_dim}')
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f'momentum must be in [0, 1], got {momentum}')
        self.num_classes = int(num_classes)
        self.embed_dim = int(embed_dim)
        self.momentum = float(momentum)
        prototypes = torch.randn(self.embed_dim, self.num_classes)
        prototypes = prototypes / prototypes.norm(dim=0, keepdim=True)
        self.register_buffer('prototypes', prototypes.t().contiguous().t())
        self.register_buffer('initialized',
                             torch.zeros(self.num_classes, dtype=torch.bool))

    @property
    def bank(self) -> torch.Tensor:
        """torch.Tensor: The prototypes ``V`` (D, C), updated in place."""
        return self.prototypes

    def fill_ratio(self) -> torch.Tensor:
        """Fraction of classes that have had their first fill.

        Returns:
            torch.Tensor: 0-dim float tensor in [0, 1].
        """
        return self.initialized.float().mean()

    def _rows(self) -> torch.Tensor:
        """The prototypes as contiguous (C, D) rows sharing their storage.

        A buffer replaced from outside with a (D, C)-contiguous tensor (e.g.
        ``load_state_dict(assign=True)``) is re-laid out once here.
        """
        rows = self.prototypes.t()
        if not rows.is_contiguous():
            self.prototypes = rows.contiguous().t()
            rows = self.prototypes.t()
        return rows

    def _classes_in(
        self, labels: torch.Tensor
    ) -> Tuple[Optional[torch.Tensor], torch.Tensor, torch.Tensor]:
        """Group ``labels`` by class: ``(classes, slot, counts)``.

        Where fewer than half of the C rows would change (CPU only), the
        update touches just the rows of the classes present: ``classes``
        (sorted), ``slot`` (position of each label in ``classes``) and their
        ``counts``. It is memory bound there, and C may be 21843. Otherwise
        all C rows are updated in place (``classes`` None, absent classes
        with coefficients that keep them bit-for-bit), which on accelerators
        also avoids the host sync of a data-dependent size.
        """
        counts = torch.bincount(labels, minlength=self.num_classes)
        if counts.numel() != self.num_classes:
            raise ValueError(f'labels must be < num_classes '
                             f'({self.num_classes})')
        if labels.device.type in self.present_only_devices:
            present = counts > 0
            classes = present.nonzero().squeeze(1)
            if 2 * classes.numel() < self.num_classes:
                slot = present.cumsum(0).sub_(1).index_select(0, labels)
                return classes, slot, counts.index_select(0, classes)
        return None, labels, counts

    @torch.no_grad()
    def update(self, keys: torch.Tensor, labels: torch.Tensor) -> None:
        """Apply one LGKA update in place (§1.3, steps 3-5).

        For each class ``c`` present in ``labels``, ``mu_c`` is the plain
        mean of its keys (not normalised). Uninitialised columns get
        ``V[:, c] = mu_c`` and their flag set; initialised ones get
        ``V[:, c] = m * V[:, c] + (1 - m) * mu_c``. No renormalisation;
        absent classes are left bit-for-bit unchanged. Computed in fp32
        whatever the dtype of ``keys``, without a Python loop; the cost is
        linear in N and, on CPU, in the number of classes present (not C).

        On CUDA ``index_add_`` accumulates with atomics unless
        ``torch.use_deterministic_algorithms(True)``, so ranks may differ in
        the last bits; the EMA keeps such differences at rounding level.

        Args:
            keys (torch.Tensor): L2-normalised teacher embeddings of shape
                (N, D), already gathered from all ranks.
            labels (torch.Tensor): Integer pseudo-labels of shape (N, ) in
                ``[0, C)``, e.g. the zero-shot argmax against the text bank.
        """
        if keys.dim() != 2 or keys.size(1) != self.embed_dim:
            raise ValueError(f'keys must have shape (N, {self.embed_dim}), '
                             f'got {tuple(keys.shape)}')
        if labels.dim() != 1 or labels.size(0) != keys.size(0):
            raise ValueError(f'labels must have shape ({keys.size(0)}, ), '
                             f'got {tuple(labels.shape)}')
        if labels.is_floating_point() or labels.is_complex():
            raise TypeError(f'labels must be integers, got {labels.dtype}')
        if keys.size(0) == 0:
            return
        device = self.prototypes.device
        keys = keys.detach().to(device=device, dtype=torch.float32)
        labels = labels.detach().to(device=device, dtype=torch.long)
        classes, slot, counts = self._classes_in(labels)

        means = keys.new_zeros(counts.numel(), self.embed_dim)
        means.index_add_(0, slot, keys)
        means.div_(counts.clamp(min=1).unsqueeze(1))  # plain mean
        all_rows = self._rows()
        if classes is None:
            rows, was_init = all_rows, self.initialized
        else:
            rows = all_rows.index_select(0, classes)
            was_init = self.initialized.index_select(0, classes)

        # rows <- a * rows + b * mu with per-class coefficients:
        #   absent: (1, 0)   first fill: (0, 1)   EMA: (m, 1 - m)
        # Element-wise this is the same float arithmetic as the loop.
        present = counts > 0
        ema = present & was_init
        a = torch.where(ema, self.momentum, (~present).float())
        b = torch.where(ema, 1 - self.momentum, present.float())
        rows.mul_(a.unsqueeze(1)).add_(means.mul_(b.unsqueeze(1)))
        if classes is None:
            self.initialized.logical_or_(present)
        else:
            # a row copy (each class occurs once, the old value is ignored):
            # this expanded-index kernel copies whole rows, ~2.5x faster on
            # CPU than index_copy_'s element-wise one
            all_rows.scatter_reduce_(
                0,
                classes.unsqueeze(1).expand_as(rows),
                rows,
                'amax',
                include_self=False)
            self.initialized.index_fill_(0, classes, True)

    def extra_repr(self) -> str:
        return (f'num_classes={self.num_classes}, '
                f'embed_dim={self.embed_dim}, momentum={self.momentum}')
