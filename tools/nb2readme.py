#!/usr/bin/env python
"""Render nbs/index.ipynb to README.md without Quarto.

Markdown cells are copied; code cells become ```python blocks (directive lines `#| …` removed, `#| hide` cells
dropped) followed by their text outputs, if any. `--check` exits 1 when README.md differs from the rendering."""
import argparse, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = '<!-- generated from nbs/index.ipynb by tools/nb2readme.py: edit the notebook, then run `make readme` -->\n\n'

def _src(cell): return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def _directives(src):
    return {l.strip()[2:].strip().split(':')[0].strip() for l in src.splitlines() if l.strip().startswith('#|')}

def _outputs(cell):
    out = []
    for o in cell.get('outputs', []):
        if o.get('output_type') == 'stream': out.append(''.join(o.get('text', '')))
        elif 'text/markdown' in o.get('data', {}): out.append(('md', ''.join(o['data']['text/markdown'])))
        elif 'text/plain' in o.get('data', {}): out.append(''.join(o['data']['text/plain']))
    return out

def render(nb_path):
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    parts = []
    for cell in nb['cells']:
        src = _src(cell).strip('\n')
        if cell['cell_type'] == 'markdown':
            if src: parts.append(src)
            continue
        if cell['cell_type'] != 'code': continue
        d = _directives(src)
        if 'hide' in d or 'default_exp' in d: continue
        code = '\n'.join(l for l in src.splitlines() if not l.strip().startswith('#|')).strip('\n')
        if code and 'hide_input' not in d and 'echo' not in d: parts.append(f'```python\n{code}\n```')
        for o in _outputs(cell):
            if isinstance(o, tuple): parts.append(o[1].strip('\n'))
            elif o.strip(): parts.append(f"```\n{o.rstrip()}\n```")
    return HEADER + '\n\n'.join(parts) + '\n'

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--check', action='store_true', help='fail if README.md is stale instead of writing it')
    p.add_argument('--nb', default=str(ROOT/'nbs'/'index.ipynb'))
    p.add_argument('--out', default=str(ROOT/'README.md'))
    a = p.parse_args(argv)
    text, out = render(a.nb), Path(a.out)
    if a.check:
        if not out.exists() or out.read_text(encoding='utf-8') != text:
            print(f'{out} is stale: it differs from the rendering of {a.nb}. Run `make readme` and commit README.md.')
            return 1
        print(f'{out} is up to date with {a.nb}')
        return 0
    out.write_text(text, encoding='utf-8')
    print(f'wrote {out}')
    return 0

if __name__ == '__main__': sys.exit(main())
