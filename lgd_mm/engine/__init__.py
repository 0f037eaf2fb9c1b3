# Registers mmpretrain's engine too, so unscoped types resolve via the parent.
import mmpretrain.engine  # noqa: F401

from .hooks import *  # noqa: F401,F403
from .loops import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
from .schedulers import *  # noqa: F401,F403
