"""Every document the code cites exists and has every cited section.

Code, configs and docs point readers at pages as ``docs/<name>.md``,
``<name>.md`` or ``<name>.md §N[.M]`` (also ``§N-§M`` ranges and
``§N, §M`` lists). A cited page must exist in ``docs/`` or at the cited
path (relative to the repository or to the citing file), and each cited
section number must be a heading of it (``## 3. Title``,
``### 1.4 Title``). ``LGD §N`` and ``method §N`` are short for
``lgd_method.md §N``.

Not citations: URLs, and ``.md`` names the code writes or reads, i.e. that
appear as quoted string literals in Python files (``'leaderboard.md'``),
unless they come with a section number.
"""
import os
import os.path as osp
import re
from typing import Dict, Iterator, List, NamedTuple, Optional, Set, Tuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCANNED = ('lgd_mm', 'configs', 'tools', 'docs', 'README.md')
SKIPPED_DIRS = frozenset(
    {'.venv', 'work_dirs', 'data', '__pycache__', '.git', 'node_modules'})
SUFFIXES = ('.py', '.md', '.yml', '.yaml', '.sh', '.txt', '.cfg', '.toml',
            '.rst')

_URL = re.compile(r'[A-Za-z][\w+.-]*://[^\s)>\]`\'"]+')
# A path ending in .md, not glued to a longer word or path on either side
# (so templated names such as ``<out>.md`` or ``{algo}/README.md`` are not
# read as citations).
_DOC = re.compile(r'(?<![\w./<>{}-])((?:\.{1,2}/|[\w-]+/)*[\w-]+\.md)(?!\w)')
_NUM = r'\d+(?:\.\d+)*'
_SEC = r'§\s?' + _NUM
# Section numbers right after a document name: closing quotes, brackets
# or a comment marker may sit in between; ranges (-, en/em dash) may omit
# the second §, lists (comma, "and", "to") may not.
_SECTIONS = re.compile(r'[`\'"*)\]]*[ \t]*(?:\n[ \t]*#?[ \t]*)?(' + _SEC +
                       r'(?:\s*(?:[-\u2013\u2014]\s*§?\s?' + _NUM +
                       r'|(?:,|and|to)\s*' + _SEC + r'))*)')
_ALIAS = re.compile(r'\b(?:LGD|method)\s+(' + _SEC +
                    r'(?:\s*[-\u2013\u2014]\s*§?\s?' + _NUM + r')*)')
_ALIAS_DOC = 'lgd_method.md'
_LITERAL = re.compile(r'[\'"]([\w./-]*\.md)[\'"]')
_HEADING = re.compile(r'^ {0,3}#{1,6}[ \t]+(?:§[ \t]*)?(\d+(?:\.\d+)*)\.?'
                      r'(?=\s|$)')
_FENCE = re.compile(r'^ {0,3}(```|~~~)')

Section = Tuple[int, ...]


class Citation(NamedTuple):
    """One cited document, with the sections cited with it."""
    source: str  # citing file, relative to the scanned root
    line: int
    doc: str  # as written
    sections: Tuple[Section, ...]

    def where(self) -> str:
        return f'{self.source}:{self.line}'


def iter_files(root: str) -> Iterator[str]:
    """Text files of :data:`SCANNED` below ``root`` (relative paths)."""
    for top in SCANNED:
        path = osp.join(root, top)
        if osp.isfile(path):
            yield top
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
            for name in sorted(filenames):
                if name.endswith(SUFFIXES):
                    yield osp.relpath(osp.join(dirpath, name), root)


def _read(root: str, rel: str) -> str:
    with open(osp.join(root, rel), encoding='utf-8', errors='replace') as f:
        return _URL.sub(' ', f.read())


def parse_sections(text: str) -> Tuple[Section, ...]:
    """``'§1.3-§1.5, §4'`` -> ``((1, 3), (1, 4), (1, 5), (4, ))``.

    A range expands its last component when both ends share the others
    (``§3-§5``, ``§1.3-§1.5``); otherwise only its ends are kept.
    """
    out: List[Section] = []
    range_open = False
    for tok in re.findall(r'[-\u2013\u2014]|' + _NUM, text):
        if tok in '-\u2013\u2014':
            range_open = bool(out)
            continue
        num = tuple(int(p) for p in tok.split('.'))
        if range_open:
            start = out[-1]
            if len(start) == len(num) and start[:-1] == num[:-1]:
                out += [start[:-1] + (i, )
                        for i in range(start[-1] + 1, num[-1] + 1)]
            else:
                out.append(num)
            range_open = False
        else:
            out.append(num)
    return tuple(out)


def find_citations(root: str) -> List[Citation]:
    """Every document citation in the scanned files below ``root``."""
    texts = {rel: _read(root, rel) for rel in iter_files(root)}
    handled = {
        name
        for rel, text in texts.items() if rel.endswith('.py')
        for name in _LITERAL.findall(text)
    }
    found = []
    for rel, text in texts.items():
        for m in _DOC.finditer(text):
            doc = m.group(1)
            sec = _SECTIONS.match(text, m.end())
            sections = parse_sections(sec.group(1)) if sec else ()
            if not sections and doc in handled:
                continue  # a file the code writes or reads
            line = text.count('\n', 0, m.start()) + 1
            found.append(Citation(rel, line, doc, sections))
        for m in _ALIAS.finditer(text):
            line = text.count('\n', 0, m.start()) + 1
            found.append(
                Citation(rel, line, _ALIAS_DOC, parse_sections(m.group(1))))
    return found


def resolve(root: str, cite: Citation) -> Optional[str]:
    """Path of the cited document, or None when it does not exist."""
    here = osp.dirname(osp.join(root, cite.source))
    if '/' in cite.doc:
        candidates = [osp.join(root, cite.doc), osp.join(here, cite.doc)]
    else:
        candidates = [
            osp.join(root, 'docs', cite.doc),
            osp.join(here, cite.doc),
            osp.join(root, cite.doc)
        ]
    for path in candidates:
        if osp.isfile(path):
            return osp.normpath(path)
    return None


def headings(path: str) -> Set[Section]:
    """Section numbers of a Markdown file's headings (code blocks
    skipped)."""
    numbers = set()
    in_code = False
    with open(path, encoding='utf-8') as f:
        for line in f:
            if _FENCE.match(line):
                in_code = not in_code
                continue
            m = None if in_code else _HEADING.match(line)
            if m:
                numbers.add(tuple(int(p) for p in m.group(1).split('.')))
    return numbers


def check(root: str) -> Tuple[List[str], List[str]]:
    """(missing documents, missing sections), one message per citation."""
    missing_docs, missing_secs = [], []
    cache: Dict[str, Set[Section]] = {}
    for cite in find_citations(root):
        path = resolve(root, cite)
        if path is None:
            missing_docs.append(
                f'{cite.where()}: {cite.doc} is in neither docs/ nor at '
                'that path')
            continue
        if path not in cache:
            cache[path] = headings(path)
        absent = [s for s in cite.sections if s not in cache[path]]
        if absent:
            shown = ', '.join('§' + '.'.join(map(str, s)) for s in absent)
            missing_secs.append(
                f'{cite.where()}: {cite.doc} has no heading {shown}')
    return missing_docs, missing_secs


def test_cited_documents_exist():
    missing_docs, _ = check(ROOT)
    assert not missing_docs, 'cited documents missing:\n' + '\n'.join(
        missing_docs)


def test_cited_sections_exist():
    _, missing_secs = check(ROOT)
    assert not missing_secs, 'cited sections missing:\n' + '\n'.join(
        missing_secs)


def test_the_method_and_benchmark_pages_are_cited():
    """Guards the scanner itself: the pages the code leans on are found."""
    docs = {
        osp.basename(c.doc)
        for c in find_citations(ROOT) if c.sections
    }
    assert {'lgd_method.md', 'benchmarks.md'} <= docs


def _write(root, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding='utf-8')


def test_scanner_reports_missing_documents_and_sections(tmp_path):
    _write(tmp_path, 'docs/guide.md',
           '# Guide\n\n## 1. One\n\n### 1.2 Sub\n\n```\n## 2. in code\n'
           '```\n## 3 Three\n')
    _write(tmp_path, 'docs/lgd_method.md', '## 6. Baselines\n')
    _write(tmp_path, 'docs/other.md', 'see [guide](guide.md) §3\n')
    _write(
        tmp_path, 'lgd_mm/mod.py', '"""See guide.md §1.2 and\n'
        '`docs/guide.md` §1.3-§1.4 (docs/guide.md §1-§3).\n'
        'Also docs/absent.md and https://example.com/remote.md §9.\n'
        'Writes ``table.md``; LGD §6 and method §7 cite lgd_method.md."""\n'
        "OUT = 'table.md'\n"
        '# continued (guide.md\n# §3, §2)\n')
    _write(tmp_path, 'configs/x.py', '# <out>.md, {algo}/README.md\n')
    # skipped folders, and a folder that is not scanned
    _write(tmp_path, 'lgd_mm/data/bad.py', '# nowhere.md §1\n')
    _write(tmp_path, 'configs/.venv/bad.py', '# nowhere.md §1\n')
    _write(tmp_path, 'work_dirs/bad.md', '# nowhere.md §1\n')
    _write(tmp_path, 'tests/bad.py', '# nowhere.md §1\n')

    missing_docs, missing_secs = check(str(tmp_path))

    assert missing_docs == [
        'lgd_mm/mod.py:3: docs/absent.md is in neither docs/ nor at '
        'that path'
    ]
    assert missing_secs == [
        'lgd_mm/mod.py:2: docs/guide.md has no heading §1.3, §1.4',
        'lgd_mm/mod.py:2: docs/guide.md has no heading §2',
        'lgd_mm/mod.py:6: guide.md has no heading §2',
        'lgd_mm/mod.py:4: lgd_method.md has no heading §7',
    ]


def test_parse_sections():
    assert parse_sections('§1.3-§1.5, §4') == ((1, 3), (1, 4), (1, 5),
                                                (4, ))
    assert parse_sections('§3\u2013§5') == ((3, ), (4, ), (5, ))
    assert parse_sections('§1.5-§2') == ((1, 5), (2, ))
    assert parse_sections('§5.10') == ((5, 10), )
