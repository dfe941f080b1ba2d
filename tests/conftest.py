import os, shutil, sys
from pathlib import Path
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT/'data_subset'
BIN = Path(sys.executable).parent

def audiomi_cmd(*args):
    "The installed console script, as a user runs it"
    exe = BIN/'audiomi'
    return [str(exe) if exe.exists() else shutil.which('audiomi'), *map(str, args)]

@pytest.fixture(scope='session')
def metadata():
    return pd.read_csv(DATA/'metadata.csv')

@pytest.fixture
def small_list(tmp_path, metadata):
    "A filelist of 6 validation utterances"
    p = tmp_path/'small.list'
    p.write_text(''.join(f'{DATA/q}\n' for q in metadata[metadata.split == 'val'].path[:6]))
    return p
