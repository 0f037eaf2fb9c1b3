# The ToyWorld data (tools/toyworld.py): 16 colour x shape classes in every
# split. The data live under $TOYWORLD_ROOT (default data/toyworld).
toyworld_classes = ('blue circle', 'blue square', 'blue star',
                    'blue triangle', 'green circle', 'green square',
                    'green star', 'green triangle', 'red circle',
                    'red square', 'red star', 'red triangle', 'yellow circle',
                    'yellow square', 'yellow star', 'yellow triangle')
toyworld_num_classes = 16
# fine-tuning runs keep no checkpoint (the record holds the result)
toyworld_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=100000, save_last=False))
# Loading (set in each data fragment): evaluation sets are small and load
# in the main process; training loaders keep 2 workers, not persistent (a
# benchmark session runs many Runners in one process, and idle persistent
# workers of finished runs are only reaped, slowly, by a later gc).
