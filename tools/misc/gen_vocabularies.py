"""Write the shipped vocabularies (lgd_mm/vocabularies/*.txt).

Names come from the installed packages wherever one ships them, so the files
can be regenerated and checked against the pinned stack::

    python tools/misc/gen_vocabularies.py           # (re)write the files
    python tools/misc/gen_vocabularies.py --check   # fail if they differ

Raw names are written as their sources spell them (e.g. mmseg's ``'bed '``
keeps its trailing space); :func:`lgd_mm.vocabularies.load_vocabulary`
normalises them.
"""
import argparse
import os.path as osp
import sys
from typing import Callable, Dict, List

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# Caltech-256 object categories in folder order (001 ... 256); 257.clutter
# is background, not a class. No installed package ships these names.
CALTECH256_FOLDERS = """
    ak47 american-flag backpack baseball-bat baseball-glove basketball-hoop
    bat bathtub bear beer-mug billiards binoculars birdbath blimp bonsai-101
    boom-box bowling-ball bowling-pin boxing-glove brain-101 breadmaker
    buddha-101 bulldozer butterfly cactus cake calculator camel cannon canoe
    car-tire cartman cd centipede cereal-box chandelier-101 chess-board chimp
    chopsticks cockroach coffee-mug coffin coin comet computer-keyboard
    computer-monitor computer-mouse conch cormorant covered-wagon cowboy-hat
    crab-101 desk-globe diamond-ring dice dog dolphin-101 doorknob
    drinking-straw duck dumb-bell eiffel-tower electric-guitar-101
    elephant-101 elk ewer-101 eyeglasses fern fighter-jet fire-extinguisher
    fire-hydrant fire-truck fireworks flashlight floppy-disk football-helmet
    french-horn fried-egg frisbee frog frying-pan galaxy gas-pump giraffe goat
    golden-gate-bridge goldfish golf-ball goose gorilla grand-piano-101 grapes
    grasshopper guitar-pick hamburger hammock harmonica harp harpsichord
    hawksbill-101 head-phones helicopter-101 hibiscus homer-simpson horse
    horseshoe-crab hot-air-balloon hot-dog hot-tub hourglass house-fly
    human-skeleton hummingbird ibis-101 ice-cream-cone iguana ipod iris
    jesus-christ joy-stick kangaroo-101 kayak ketch-101 killer-whale knife
    ladder laptop-101 lathe leopards-101 license-plate lightbulb light-house
    lightning llama-101 mailbox mandolin mars mattress megaphone menorah-101
    microscope microwave minaret minotaur motorbikes-101 mountain-bike
    mushroom mussels necktie octopus ostrich owl palm-pilot palm-tree
    paperclip paper-shredder pci-card penguin people pez-dispenser photocopier
    picnic-table playing-card porcupine pram praying-mantis pyramid raccoon
    radio-telescope rainbow refrigerator revolver-101 rifle rotary-phone
    roulette-wheel saddle saturn school-bus scorpion-101 screwdriver segway
    self-propelled-lawn-mower sextant sheet-music skateboard skunk skyscraper
    smokestack snail snake sneaker snowmobile soccer-ball socks soda-can
    spaghetti speed-boat spider spoon stained-glass starfish-101
    steering-wheel stirrups sunflower-101 superman sushi swan swiss-army-knife
    sword syringe tambourine teapot teddy-bear teepee telephone-box
    tennis-ball tennis-court tennis-racket theodolite toaster tomato tombstone
    top-hat touring-bike tower-pisa traffic-light treadmill triceratops
    tricycle trilobite-101 tripod t-shirt tuning-fork tweezer umbrella-101
    unicorn vcr video-projector washing-machine watch-101 waterfall watermelon
    welding-mask wheelbarrow windmill wine-bottle xylophone yarmulke yo-yo
    zebra airplanes-101 car-side-101 faces-easy-101 greyhound tennis-shoes
    toad
""".split()

EXPECTED_COUNTS = dict(
    imagenet=1000,
    caltech256=256,
    coco=80,
    lvis_v1=1203,
    ade20k=150,
    cityscapes=19)

# OpenAI's curated list names two pairs of classes alike, which would give
# the bank identical columns (the second class of each pair could never be a
# pseudo-label). Those two take their WordNet lemma instead:
# 744 n04008634 'projectile, missile' (657 is n03773504 'missile') and
# 836 n04355933 'sunglass' (837 is n04356056 'sunglasses, dark glasses').
IMAGENET_RENAMES = {
    744: ('missile', 'projectile'),
    836: ('sunglasses', 'sunglass')
}


def imagenet() -> List[str]:
    # OpenAI's curated names (CLIP zero-shot), not the WordNet synset words.
    from open_clip import IMAGENET_CLASSNAMES
    names = list(IMAGENET_CLASSNAMES)
    for idx, (old, new) in IMAGENET_RENAMES.items():
        if names[idx] != old:
            raise RuntimeError(f'imagenet: expected {old!r} at {idx}, got '
                               f'{names[idx]!r}; review IMAGENET_RENAMES')
        names[idx] = new
    return names


def caltech256() -> List[str]:
    return [f'{i:03d}.{n}' for i, n in enumerate(CALTECH256_FOLDERS, 1)]


def coco() -> List[str]:
    from mmdet.datasets import CocoDataset
    return list(CocoDataset.METAINFO['classes'])


def lvis_v1() -> List[str]:
    # v1 (1203 classes), the version LVIS detection is evaluated on; the
    # original LGD used the v0.5 list (lgd_method.md §5.2).
    from mmdet.datasets import LVISV1Dataset
    return list(LVISV1Dataset.METAINFO['classes'])


def ade20k() -> List[str]:
    from mmseg.datasets import ADE20KDataset
    return list(ADE20KDataset.METAINFO['classes'])


def cityscapes() -> List[str]:
    from mmseg.datasets import CityscapesDataset
    return list(CityscapesDataset.METAINFO['classes'])


SOURCES: Dict[str, Callable[[], List[str]]] = dict(
    imagenet=imagenet,
    caltech256=caltech256,
    coco=coco,
    lvis_v1=lvis_v1,
    ade20k=ade20k,
    cityscapes=cityscapes)


def render(key: str) -> str:
    """File content for vocabulary ``key``, validated."""
    sys.path.insert(0, ROOT)
    from lgd_mm.vocabularies import load_vocabulary
    names = SOURCES[key]()
    if len(names) != EXPECTED_COUNTS[key]:
        raise RuntimeError(f'{key}: expected {EXPECTED_COUNTS[key]} names, '
                           f'got {len(names)}')
    bad = [n for n in names if not n.strip() or '\n' in n]
    if bad:
        raise RuntimeError(f'{key}: unusable names {bad[:5]}')
    # Raises on names that coincide after normalisation.
    if len(load_vocabulary(names)) != len(names):
        raise RuntimeError(f'{key}: names lost in normalisation')
    return ''.join(f'{n}\n' for n in names)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--out-dir',
        default=osp.join(ROOT, 'lgd_mm', 'vocabularies'),
        help='folder to write <key>.txt into')
    parser.add_argument(
        '--check',
        action='store_true',
        help='compare with the files in --out-dir instead of writing')
    parser.add_argument(
        'keys',
        nargs='*',
        metavar='KEY',
        help=f'vocabularies to write (default: all of {list(SOURCES)})')
    args = parser.parse_args()
    unknown = sorted(set(args.keys) - set(SOURCES))
    if unknown:
        parser.error(f'unknown keys {unknown}; choose from {list(SOURCES)}')
    args.keys = args.keys or list(SOURCES)
    return args


def main():
    args = parse_args()
    stale = []
    for key in args.keys:
        text = render(key)
        path = osp.join(args.out_dir, f'{key}.txt')
        if args.check:
            current = None
            if osp.isfile(path):
                with open(path, encoding='utf-8') as f:
                    current = f.read()
            if current != text:
                stale.append(path)
            continue
        with open(path, 'w', encoding='utf-8', newline='\n') as f:
            f.write(text)
        print(f'{key:<11} {EXPECTED_COUNTS[key]:>5} names -> {path}')
    if stale:
        sys.exit('out of date (rerun without --check): ' + ', '.join(stale))
    if args.check:
        print('all vocabularies up to date')


if __name__ == '__main__':
    main()
