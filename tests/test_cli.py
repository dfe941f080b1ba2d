"""The `audiomi` console script end to end, as a user runs it: happy paths, bad inputs, kill-and-resume."""
import json, signal, subprocess, time
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from conftest import DATA, ROOT, audiomi_cmd

def run(*args, check_rc=None, **kw):
    r = subprocess.run(audiomi_cmd(*args), capture_output=True, text=True, cwd=kw.pop('cwd', ROOT), **kw)
    if check_rc is not None: assert r.returncode == check_rc, f'rc={r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}'
    return r

def same_tree(a, b):
    "Two feature folders hold the same .npy files with identical arrays"
    fa = sorted(p.relative_to(a) for p in Path(a).rglob('*.npy'))
    fb = sorted(p.relative_to(b) for p in Path(b).rglob('*.npy'))
    assert fa == fb, (len(fa), len(fb))
    for f in fa: np.testing.assert_array_equal(np.load(Path(a)/f), np.load(Path(b)/f))
    return len(fa)

def test_help_and_version():
    r = run('--help', check_rc=0); assert 'features' in r.stdout and 'demo' in r.stdout
    r = run('features', 'extract', '--help', check_rc=0)
    for opt in ('--extractor', '--flist', '--output_dir', '--num_workers', '--overwrite'): assert opt in r.stdout
    assert 'audiomi' in run('--version', check_rc=0).stdout

def test_pipeline_filelists_extract_pair(tmp_path):
    run('features', 'filelists', '--root', DATA, '--metadata', DATA/'metadata.csv', '--out_dir', tmp_path/'lists', check_rc=0)
    files = (tmp_path/'lists'/'filelist.test').read_text().split()
    (tmp_path/'few.list').write_text('\n'.join(files[:5]) + '\n')
    common = ['--flist', tmp_path/'few.list', '--root', DATA, '--no-progress', '--num_workers', '2']
    run('features', 'extract', '--extractor', 'complex_spec', '--output_dir', tmp_path/'spec', '--n_fft', '2048', *common, check_rc=0)
    run('features', 'extract', '--extractor', 'logmel', '--output_dir', tmp_path/'mel', '--set', 'n_mels=64', *common, check_rc=0)
    r = run('features', 'pair', '--x_dir', tmp_path/'mel', '--y_dir', tmp_path/'spec', '--output_csv', tmp_path/'test.csv', check_rc=0)
    assert '5 pairs' in r.stdout
    df = pd.read_csv(tmp_path/'test.csv')
    assert list(df.columns) == ['x_path', 'y_path', 'x_len', 'y_len'] and len(df) == 5
    y = np.load(tmp_path/df.y_path[0])
    assert y.shape == (df.y_len[0], 2050) and y.dtype == np.float32       # the seed's 2050-d complex spectrogram
    assert json.loads((tmp_path/'spec'/'features.json').read_text())['frame_rate'] == 50.0
    assert 'dim' in run('features', 'info', '--output_dir', tmp_path/'mel', check_rc=0).stdout

def test_bad_files_are_reported_and_the_rest_kept(tmp_path, small_list):
    bad = tmp_path/'bad'; bad.mkdir()
    (bad/'text.wav').write_text('not audio at all')
    (bad/'empty.flac').write_bytes(b'')
    (bad/'truncated.flac').write_bytes((DATA/'audio/spk01/sad_s01.flac').read_bytes()[:300])
    lst = tmp_path/'mixed.list'
    lst.write_text(small_list.read_text() + ''.join(f'{p}\n' for p in sorted(bad.iterdir())) + f'{tmp_path}/missing.wav\n')
    r = run('features', 'extract', '--extractor', 'logmel', '--flist', lst, '--output_dir', tmp_path/'out',
            '--root', '/', '--no-progress', '--num_workers', '0', check_rc=1)
    assert '6 extracted' in r.stdout and '4 failed' in r.stdout
    fails = pd.read_csv(tmp_path/'out'/'failures.csv')
    assert sorted(Path(f).name for f in fails.file) == ['empty.flac', 'missing.wav', 'text.wav', 'truncated.flac']
    assert all(Path(f).name in why for f, why in zip(fails.file, fails.reason))      # every reason names its file
    assert len(list((tmp_path/'out').rglob('*.npy'))) == 6

@pytest.mark.parametrize('args, message', [
    (['--n_mel', '40'], "unknown key 'n_mel' (did you mean 'n_mels'?)"),
    (['--set', 'n_mels=lots'], "n_mels: expected int, got str 'lots'"),
    (['--set', 'n_fft=8'], 'n_fft: must be >= 16'),
])
def test_bad_parameters(tmp_path, small_list, args, message):
    r = run('features', 'extract', '--extractor', 'logmel', '--flist', small_list, '--output_dir', tmp_path/'o', *args, check_rc=2)
    assert message in r.stderr and 'Traceback' not in r.stderr

def test_bad_paths_and_config(tmp_path, small_list):
    r = run('features', 'extract', '--extractor', 'logmel', '--flist', tmp_path/'nope.list', '--output_dir', tmp_path/'o', check_rc=2)
    assert 'filelist not found' in r.stderr and 'nope.list' in r.stderr
    (tmp_path/'cfg.yaml').write_text('n_mels: 64\nhop: 10\n')
    r = run('features', 'extract', '--extractor', 'logmel', '--config', tmp_path/'cfg.yaml', '--flist', small_list,
            '--output_dir', tmp_path/'o', check_rc=2)
    assert "cfg.yaml" in r.stderr and "unknown key 'hop'" in r.stderr
    r = run('features', 'pair', '--x_dir', tmp_path/'none', '--y_dir', tmp_path, '--output_csv', tmp_path/'p.csv', check_rc=2)
    assert 'feature folder not found' in r.stderr

def test_kill_and_resume_gives_the_same_features(tmp_path, metadata):
    "A run killed with SIGKILL mid-way and resumed ends with exactly the files of an uninterrupted run"
    files = [DATA/p for p in metadata[metadata.split == 'train'].path[:80]]
    (tmp_path/'l').write_text(''.join(f'{f}\n' for f in files))
    args = ['features', 'extract', '--extractor', 'complex_spec', '--flist', tmp_path/'l', '--root', DATA,
            '--batch_size', '1', '--num_workers', '0', '--no-progress']
    out = tmp_path/'killed'
    p = subprocess.Popen(audiomi_cmd(*args, '--output_dir', out), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while len(list(out.rglob('*.npy'))) < 10 and time.time() - t0 < 120 and p.poll() is None: time.sleep(0.05)
    p.send_signal(signal.SIGKILL); p.wait()
    n_before = len(list(out.rglob('*.npy')))
    assert 10 <= n_before < 80, f'could not kill mid-way ({n_before} files)'
    r = run(*args, '--output_dir', out, check_rc=0)
    assert f'{80 - n_before} extracted, {n_before} already there' in r.stdout
    run(*args, '--output_dir', tmp_path/'straight', check_rc=0)
    assert same_tree(out, tmp_path/'straight') == 80
    assert not list(out.rglob('*.tmp')), 'temp files left behind'
    assert json.loads((out/'features.json').read_text())['status'] == 'complete'

def test_demo_smoke(tmp_path):
    r = run('demo', '--config', ROOT/'configs'/'demo.yaml', '--set', f'out_dir={tmp_path}', 'max_files=3',
            'num_workers=0', 'progress=false', check_rc=0)
    assert 'Results in' in r.stdout
    assert 'No EnCodec 24khz weights' in r.stdout or 'encodec' in r.stdout
    summary = json.loads((tmp_path/'summary.json').read_text())
    assert [s['pairs'] for s in summary['metrics']['splits']] == [3, 3, 3]
    assert (tmp_path/'config_used.yaml').exists()

def test_demo_with_encodec_checkpoint(tmp_path, metadata):
    "With weights on disk the demo extracts real EnCodec codes (75 Hz) and pairs them with 50 Hz spectra"
    import torch
    from audiomi.features import load_encodec, init_encodec_codebooks, load_audio, ENCODEC_MODELS
    torch.manual_seed(0)
    m = load_encodec(pretrained=False)
    init_encodec_codebooks(m, [load_audio(DATA/p, 24000)[0] for p in metadata.path[::48]], n_codebooks=8, n_iter=3)
    ckpt = tmp_path/ENCODEC_MODELS['24khz'][0]
    torch.save(m.state_dict(), ckpt)
    r = run('demo', '--set', f'out_dir={tmp_path/"demo"}', 'max_files=2', 'progress=false', f'x_params.checkpoint={ckpt}',
            check_rc=0)
    assert 'No EnCodec' not in r.stdout
    s = json.loads((tmp_path/'demo'/'summary.json').read_text())['metrics']
    assert s['x_manifest']['extractor'] == 'encodec' and s['x_manifest']['vocab_size'] == 1024 and s['x_manifest']['dim'] == 8
    assert [(x['x_repeat'], x['y_repeat']) for x in s['splits']] == [(2, 3)] * 3      # 75 Hz · 2 = 50 Hz · 3
    df = pd.read_csv(tmp_path/'demo'/'pairs'/'train.csv')
    codes = np.load(tmp_path/'demo'/'features'/df.x_path[0])
    assert codes.dtype == np.int64 and codes.shape[1] == 8 and len(np.unique(codes[:, 0])) > 5
    assert abs(df.x_len[0] * 2 - df.y_len[0] * 3) <= 3
