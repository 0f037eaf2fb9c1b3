# Registers mmpretrain's models too, so unscoped types resolve via the parent.
import mmpretrain.models  # noqa: F401

from .banks import *  # noqa: F401,F403
from .distillers import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .selfsup import *  # noqa: F401,F403
from .teachers import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
