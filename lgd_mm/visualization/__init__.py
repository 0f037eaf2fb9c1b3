# Registers mmpretrain's visualizers, so unscoped types resolve via the
# parent registry.
import mmpretrain.visualization  # noqa: F401
