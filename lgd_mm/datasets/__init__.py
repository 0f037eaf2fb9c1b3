# Registers mmpretrain's datasets too, so unscoped types resolve via the parent.
import mmpretrain.datasets  # noqa: F401
