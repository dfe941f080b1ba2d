"""Every notebook in nbs/ as one test, with nbdev_test's semantics: cells flagged with a tst_flags directive
(`#| slow`, `#| cuda`) are skipped unless named in NBDEV_FLAGS (e.g. NBDEV_FLAGS="slow")."""
import os
import pytest
from nbdev.config import get_config
from nbdev.doclinks import nbglob
import nbdev.test as nbt   # not `from nbdev.test import test_nb`: pytest would collect it as a test

cfg = get_config()
FLAGS = os.environ.get('NBDEV_FLAGS', '').split()
NBS = sorted(nbglob(as_path=True))

def test_notebooks_found():
    names = {p.name for p in NBS}
    assert {'00_core.ipynb', '01_features.ipynb', 'index.ipynb'} <= names, names

@pytest.mark.parametrize('nb', NBS, ids=lambda p: p.relative_to(cfg.nbs_path).as_posix())
def test_notebook(nb):
    ok, secs = nbt.test_nb(nb.absolute(), skip_flags=cfg.tst_flags.split(), force_flags=FLAGS, basepath=cfg.config_path)
    assert ok, f'{nb.name} failed (see the traceback above)'
