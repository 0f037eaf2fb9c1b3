# Registers mmpretrain's evaluation too, so unscoped types resolve via the
# parent registry.
import mmpretrain.evaluation  # noqa: F401

from .metrics import *  # noqa: F401,F403
