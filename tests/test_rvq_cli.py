"""`audiomi rvq` end to end through the console script, as the Makefile's `rvq-demo` runs it (tiny sizes): features of
data_subset/ with `audiomi features`, both training stages from configs/rvq_logmel.yaml with overrides, per-file rate
control to a target, decoding, and the failures a batch must survive (a corrupt bitstream) or refuse (bad config)."""
import subprocess
from pathlib import Path
import numpy as np
import pandas as pd
from conftest import ROOT, DATA, audiomi_cmd

def run(*args):
    return subprocess.run(audiomi_cmd(*args), capture_output=True, text=True, cwd=ROOT)

def test_rvq_codec_end_to_end(tmp_path):
    fl, feats, out = tmp_path/'filelists', tmp_path/'features', tmp_path/'codec'
    r = run('features', 'filelists', '--root', DATA, '--metadata', DATA/'metadata.csv', '--out_dir', fl)
    assert r.returncode == 0, r.stderr
    for split, n in (('train', 24), ('val', 6), ('test', 4)):
        f = fl/f'filelist.{split}'
        f.write_text(''.join(f.read_text().splitlines(keepends=True)[:n]))
        r = run('features', 'extract', '--extractor', 'logmel', '--flist', f, '--root', DATA, '--output_dir', feats/split,
                '--set', 'n_mels=32', 'hop_length=320', '--no-progress', '--num_workers', '0')
        assert r.returncode == 0, r.stderr
    tiny = ['--set', f'data.train={feats/"train"}', f'data.val={feats/"val"}', f'data.test={feats/"test"}', 'model.dim=32',
            'model.groups=4', 'model.layers=2', 'model.codebook_size=16', 'training.max_epochs=2', 'training.batch_size=256',
            'training.device=cpu', 'entropy.n_layers=1', 'entropy.d_model=16', 'entropy.n_heads=2', 'entropy.max_epochs=1',
            'entropy.refine_epochs=1', 'entropy.frames_per_lambda=300', 'entropy.warmup_steps=5']
    r = run('rvq', 'train', '-c', ROOT/'configs'/'rvq_logmel.yaml', '--out_dir', out, *tiny)
    assert r.returncode == 0, r.stderr
    assert 'utilisation' in r.stdout and (out/'rvq.pt').exists() and (out/'rvq_results.json').exists()
    r = run('rvq', 'train-entropy', '-c', ROOT/'configs'/'rvq_logmel.yaml', '--out_dir', out, *tiny)
    assert r.returncode == 0, r.stderr
    assert (out/'entropy.pt').exists() and 'round 2' in r.stdout
    r = run('rvq', 'encode', '--codec_dir', out, '--input', feats/'test', '--output_dir', tmp_path/'enc', '--target_bpf', '20')
    assert r.returncode == 0, r.stderr
    rep = pd.read_csv(tmp_path/'enc'/'report.csv')
    assert len(rep) == 4 and (rep.status == 'ok').all() and ((rep.bpf_model - 20).abs() <= 1).all()
    assert (abs(rep.bpf_real / rep.bpf_model - 1) < 0.05).all()
    r = run('rvq', 'decode', '--codec_dir', out, '--input', tmp_path/'enc', '--output_dir', tmp_path/'dec')
    assert r.returncode == 0, r.stderr
    for f in rep.file:
        rel = Path(f).relative_to(feats/'test')
        assert np.load(tmp_path/'dec'/rel).shape == np.load(f).shape
    r = run('rvq', 'encode', '--codec_dir', out, '--input', feats/'test', '--output_dir', tmp_path/'enc_beam', '--target_bpf', '20',
            '--beam', '3')                                            # beam-search ECVQ: same decoder
    assert r.returncode == 0, r.stderr
    rb = pd.read_csv(tmp_path/'enc_beam'/'report.csv')
    assert (rb.status == 'ok').all() and (rb.beam == 3).all() and ((rb.bpf_model - 20).abs() <= 1).all()
    r = run('rvq', 'decode', '--codec_dir', out, '--input', tmp_path/'enc_beam', '--output_dir', tmp_path/'dec_beam')
    assert r.returncode == 0 and '4 files' in r.stdout, r.stderr
    victim = next((tmp_path/'enc').rglob('*.amrvq'))
    b = bytearray(victim.read_bytes()); b[len(b) // 2] ^= 0x40; victim.write_bytes(bytes(b))
    r = run('rvq', 'decode', '--codec_dir', out, '--input', tmp_path/'enc', '--output_dir', tmp_path/'dec2')
    assert r.returncode == 1 and '3 files' in r.stdout
    fails = pd.read_csv(tmp_path/'dec2'/'failures.csv')
    assert len(fails) == 1 and victim.name in fails.file[0] and 'corrupt' in fails.error[0]

def test_rvq_bad_arguments(tmp_path):
    r = run('rvq', 'train', '-c', ROOT/'configs'/'rvq_logmel.yaml', '--set', 'model.grups=4')
    assert r.returncode == 2 and "model.grups" in r.stderr
    r = run('rvq', 'encode', '--codec_dir', tmp_path, '--input', tmp_path, '--output_dir', tmp_path/'o', '--lam', '1', '--target_bpf', '5')
    assert r.returncode == 2 and 'not found' in r.stderr      # no codec in tmp_path: named before anything runs
