import shutil, signal, subprocess, sys, time
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

def kill_after_epoch(args, ckpt, epoch:int=1, timeout:float=120) -> int:
    "Start `audiomi args…`, SIGKILL it once its Lightning checkpoint `ckpt` records `epoch`; returns the epochs it finished"
    import torch
    p = subprocess.Popen(audiomi_cmd(*args), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t0 = time.time()
        while time.time() - t0 < timeout:
            if ckpt.exists():
                try:
                    if torch.load(ckpt, weights_only=True)['epoch'] >= epoch: break
                except Exception: pass       # being replaced (atomic rename): try again
            time.sleep(0.2)
        p.send_signal(signal.SIGKILL)
    finally:
        p.wait()
    assert ckpt.exists(), f'no checkpoint was written within {timeout:.0f} s'
    return torch.load(ckpt, weights_only=True)['epoch'] + 1

@pytest.fixture(scope='session')
def metadata():
    return pd.read_csv(DATA/'metadata.csv')

@pytest.fixture
def small_list(tmp_path, metadata):
    "A filelist of 6 validation utterances"
    p = tmp_path/'small.list'
    p.write_text(''.join(f'{DATA/q}\n' for q in metadata[metadata.split == 'val'].path[:6]))
    return p
