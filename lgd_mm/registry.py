"""lgd_mm registries: children of mmpretrain's (scope ``lgd_mm``).

With ``default_scope='lgd_mm'`` (or ``custom_imports=dict(imports=['lgd_mm'])``)
our types build next to mmpretrain's, mmengine's and scoped ``mmdet.*`` /
``mmseg.*`` ones: a lookup that misses here falls back to the parent
registries, and ``locations`` makes the registry import the modules that
register into it on first use.
"""
from mmengine.registry import Registry
from mmpretrain.registry import BATCH_AUGMENTS as MMPRE_BATCH_AUGMENTS
from mmpretrain.registry import DATA_SAMPLERS as MMPRE_DATA_SAMPLERS
from mmpretrain.registry import DATASETS as MMPRE_DATASETS
from mmpretrain.registry import EVALUATORS as MMPRE_EVALUATORS
from mmpretrain.registry import HOOKS as MMPRE_HOOKS
from mmpretrain.registry import LOG_PROCESSORS as MMPRE_LOG_PROCESSORS
from mmpretrain.registry import LOOPS as MMPRE_LOOPS
from mmpretrain.registry import METRICS as MMPRE_METRICS
from mmpretrain.registry import MODEL_WRAPPERS as MMPRE_MODEL_WRAPPERS
from mmpretrain.registry import MODELS as MMPRE_MODELS
from mmpretrain.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMPRE_OPTIM_WRAPPER_CONSTRUCTORS
from mmpretrain.registry import OPTIM_WRAPPERS as MMPRE_OPTIM_WRAPPERS
from mmpretrain.registry import OPTIMIZERS as MMPRE_OPTIMIZERS
from mmpretrain.registry import PARAM_SCHEDULERS as MMPRE_PARAM_SCHEDULERS
from mmpretrain.registry import \
    RUNNER_CONSTRUCTORS as MMPRE_RUNNER_CONSTRUCTORS
from mmpretrain.registry import RUNNERS as MMPRE_RUNNERS
from mmpretrain.registry import TASK_UTILS as MMPRE_TASK_UTILS
from mmpretrain.registry import TRANSFORMS as MMPRE_TRANSFORMS
from mmpretrain.registry import VISBACKENDS as MMPRE_VISBACKENDS
from mmpretrain.registry import VISUALIZERS as MMPRE_VISUALIZERS
from mmpretrain.registry import \
    WEIGHT_INITIALIZERS as MMPRE_WEIGHT_INITIALIZERS

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS',
    'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
    'PARAM_SCHEDULERS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'BATCH_AUGMENTS', 'TASK_UTILS',
    'METRICS', 'EVALUATORS', 'VISUALIZERS', 'VISBACKENDS'
]


def _child(name, parent, locations):
    return Registry(
        name, parent=parent, scope='lgd_mm', locations=list(locations))


RUNNERS = _child('runner', MMPRE_RUNNERS, ['lgd_mm.engine'])
RUNNER_CONSTRUCTORS = _child('runner constructor', MMPRE_RUNNER_CONSTRUCTORS,
                             ['lgd_mm.engine'])
LOOPS = _child('loop', MMPRE_LOOPS, ['lgd_mm.engine'])
HOOKS = _child('hook', MMPRE_HOOKS, ['lgd_mm.engine'])
LOG_PROCESSORS = _child('log processor', MMPRE_LOG_PROCESSORS,
                        ['lgd_mm.engine'])
OPTIMIZERS = _child('optimizer', MMPRE_OPTIMIZERS, ['lgd_mm.engine'])
OPTIM_WRAPPERS = _child('optim_wrapper', MMPRE_OPTIM_WRAPPERS,
                        ['lgd_mm.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMPRE_OPTIM_WRAPPER_CONSTRUCTORS,
                                    ['lgd_mm.engine'])
PARAM_SCHEDULERS = _child('parameter scheduler', MMPRE_PARAM_SCHEDULERS,
                          ['lgd_mm.engine'])
DATASETS = _child('dataset', MMPRE_DATASETS, ['lgd_mm.datasets'])
DATA_SAMPLERS = _child('data sampler', MMPRE_DATA_SAMPLERS,
                       ['lgd_mm.datasets'])
TRANSFORMS = _child('transform', MMPRE_TRANSFORMS, ['lgd_mm.datasets'])
MODELS = _child('model', MMPRE_MODELS, ['lgd_mm.models'])
MODEL_WRAPPERS = _child('model_wrapper', MMPRE_MODEL_WRAPPERS,
                        ['lgd_mm.models'])
WEIGHT_INITIALIZERS = _child('weight initializer', MMPRE_WEIGHT_INITIALIZERS,
                             ['lgd_mm.models'])
BATCH_AUGMENTS = _child('batch augment', MMPRE_BATCH_AUGMENTS,
                        ['lgd_mm.models'])
TASK_UTILS = _child('task util', MMPRE_TASK_UTILS, ['lgd_mm.models'])
METRICS = _child('metric', MMPRE_METRICS, ['lgd_mm.evaluation'])
EVALUATORS = _child('evaluator', MMPRE_EVALUATORS, ['lgd_mm.evaluation'])
VISUALIZERS = _child('visualizer', MMPRE_VISUALIZERS,
                     ['lgd_mm.visualization'])
VISBACKENDS = _child('vis_backend', MMPRE_VISBACKENDS,
                     ['lgd_mm.visualization'])
