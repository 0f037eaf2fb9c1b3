from types import SimpleNamespace

from lgd_mm.utils.dataset_chain import dataset_chain


def test_config_chain_follows_dict_dataset_keys():
    inner = dict(type='CustomDataset', pipeline=['load'])
    bag = dict(type='InstanceBagDataset', dataset=inner)
    replay = dict(type='ReplayViewDataset', dataset=bag)
    assert list(dataset_chain(replay)) == [replay, bag, inner]
    # a non-dict ``dataset`` value (e.g. a name) ends the walk
    named = dict(type='Wrapper', dataset='imagenet')
    assert list(dataset_chain(named)) == [named]


def test_built_chain_follows_dataset_attributes():
    inner = SimpleNamespace(pipeline='p')
    bag = SimpleNamespace(dataset=inner, set_neighbors=None)
    replay = SimpleNamespace(dataset=bag)
    assert list(dataset_chain(replay)) == [replay, bag, inner]
    assert list(dataset_chain(None)) == []
