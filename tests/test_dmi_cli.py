"""`audiomi dmi` end to end through the console script: a grid killed with SIGKILL mid-way and started again finishes
only the missing cells; a run resumed with `--load_ckpt` continues from its last epoch (and refuses another network); `audiomi dmi-pairs` on
data_subset features."""
import json, signal, subprocess, time
import pandas as pd
import yaml
from conftest import ROOT, audiomi_cmd

TINY = ['--max_epochs', '2', '--train_sample_num', '400', '--test_num', '200', '--batch_size', '100', '--n_repeats', '1',
        '--device', 'cpu']

def test_killed_grid_resumes(tmp_path):
    grid = ['dmi', '--run_all', '--dims', '3', '5', '--strengths', '2', '200', '--task_types', 'multinormal', *TINY,
            '--out_dir', str(tmp_path)]
    p = subprocess.Popen(audiomi_cmd(*grid), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while not list(tmp_path.glob('results_*.json')) and time.time() - t0 < 120: time.sleep(0.2)
    p.send_signal(signal.SIGKILL); p.wait()
    done = {f.name for f in tmp_path.glob('results_*.json')}
    assert 1 <= len(done) < 4
    for f in done: json.loads((tmp_path/f).read_text())                  # atomic writes: no partial results file
    r = subprocess.run(audiomi_cmd(*grid), capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert not list(tmp_path.glob('.*.tmp'))                             # a killed write's temp file is cleaned up
    assert r.stdout.count('done already') == len(done)
    df = pd.read_csv(tmp_path/'grid_unified.csv')
    assert len(df) == 4 and set(df.dim) == {3, 5} and (tmp_path/'grid_unified.png').exists()

def test_load_ckpt_continues(tmp_path):
    run = ['dmi', '--task_type', 'spiral', '--dim', '3', '--strength', '2', '--out_dir', str(tmp_path), *TINY, '--norm', 'none', '--fourier_features', '8', '--loss_weighting', 'sampling', '--optimizer', 'muon', '--muon_momentum', '0.98']
    assert subprocess.run(audiomi_cmd(*run, '--grad_guard', '0'), capture_output=True, cwd=ROOT).returncode == 0   # guard off …
    r = subprocess.run(audiomi_cmd(*run, '--max_epochs', '4', '--load_ckpt'), capture_output=True, text=True, cwd=ROOT)   # … and on again
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path/'results_unified_spiral_multinormal_sparse_2_dim_3.json').read_text())
    assert res['epochs'] == 4 and res['max_epochs'] == 4 and [c['epoch'] for c in res['curve']][0] == 3
    assert res['settings']['norm'] == 'none' and res['settings']['fourier_features'] == 8 and res['settings']['loss_weighting'] == 'sampling' and res['settings']['optimizer'] == 'muon' and res['settings']['muon_momentum'] == 0.98 and res['settings']['grad_guard'] == 10.0 and 0 <= res['guard_clips'] < res['steps']
    r = subprocess.run(audiomi_cmd(*run, '--max_epochs', '5', '--load_ckpt', '--norm', 'group', '--fourier_features', '0', '--loss_weighting', 'nll', '--optimizer', 'adam'), capture_output=True, text=True, cwd=ROOT)
    assert r.returncode != 0 and "norm='none' (now 'group')" in r.stderr and "fourier_features=8 (now 0)" in r.stderr, r.stderr
    assert "loss_weighting='sampling' (now 'nll')" in r.stderr and "optimizer='muon' (now 'adam')" in r.stderr, r.stderr   # another network or optimiser: refused, by name

def test_dmi_pairs_on_audio_features(tmp_path):
    d = tmp_path/'demo'
    r = subprocess.run(audiomi_cmd('demo', '--set', f'out_dir={d}', 'max_files=4', 'progress=false', 'num_workers=0',
                                   'x_extractor=logmel', 'x_params={n_mels: 16}', 'y_params={n_fft: 62}', 'estimate_mi=false'),
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    cfg = yaml.safe_load((ROOT/'configs'/'dmi_pairs.yaml').read_text())
    cfg['data'].update(train_csv=str(d/'pairs'/'train.csv'), test_csv=str(d/'pairs'/'test.csv'), features_dir=str(d/'features'))
    cfg['training'].update(max_epochs=2, device='cpu', n_repeats=1)
    (tmp_path/'c.yaml').write_text(yaml.safe_dump(cfg))
    r = subprocess.run(audiomi_cmd('dmi-pairs', '-c', tmp_path/'c.yaml', '--out_dir', tmp_path/'run'), capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path/'run'/'results.json').read_text())
    assert res['diffused_width'] == 64 and res['condition_width'] == 16 and res['diffused'] == 'y' and res['mi_estimate_orthogonal'] > 0
    r = subprocess.run(audiomi_cmd('dmi-pairs', '-c', tmp_path/'c.yaml', '--set', 'model.difuse=x'), capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "unknown key 'model.difuse' (did you mean 'diffuse'?)" in r.stderr
