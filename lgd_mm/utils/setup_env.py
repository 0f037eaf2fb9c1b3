import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every lgd_mm module that registers something.

    Args:
        init_default_scope (bool): Also make ``lgd_mm`` the current default
            scope, so unscoped types resolve in lgd_mm's registries first and
            then in mmpretrain's and mmengine's. Defaults to True.
    """
    import lgd_mm.datasets  # noqa: F401,F403
    import lgd_mm.engine  # noqa: F401,F403
    import lgd_mm.evaluation  # noqa: F401,F403
    import lgd_mm.models  # noqa: F401,F403
    import lgd_mm.visualization  # noqa: F401,F403

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('lgd_mm', scope_name='lgd_mm')
    elif current.scope_name != 'lgd_mm':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "lgd_mm"; `register_all_modules` creates a new '
                      'default scope named "lgd_mm".')
        name = f'lgd_mm-{datetime.datetime.now()}'
        DefaultScope.get_instance(name, scope_name='lgd_mm')
