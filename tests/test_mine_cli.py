"""`audiomi mine train -c config.yaml` end to end on data_subset features, and a run killed with SIGKILL and
resumed from its last checkpoint that ends exactly like an uninterrupted run."""
import json, signal, subprocess, time
import pytest, torch, yaml
from conftest import ROOT, audiomi_cmd

@pytest.fixture(scope='module')
def pairs(tmp_path_factory):
    "Log-mel (x) / complex-spectrogram (y) pairs of 8 utterances per split, made by the demo"
    d = tmp_path_factory.mktemp('demo')
    r = subprocess.run(audiomi_cmd('demo', '--set', f'out_dir={d}', 'max_files=8', 'progress=false', 'num_workers=0',
                                   'x_extractor=logmel', 'x_params={n_mels: 16}', 'y_params={n_fft: 62}', 'estimate_mi=false'),
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return d

def config(pairs, out, **training):
    cfg = dict(data=dict(train_csv=str(pairs/'pairs'/'train.csv'), valid_csv=str(pairs/'pairs'/'val.csv'),
                         test_csv=str(pairs/'pairs'/'test.csv'), features_dir=str(pairs/'features'), segment_length=40),
               model=dict(hidden_dims=[32], y_proj_dim=16, bias_correction_method='default'),
               training=dict(epochs=8, batch_size=2, lr=1e-3, device='cpu', seed=3) | training,
               checkpoint=dict(dir=str(out), save_interval=1), logging=dict(log_interval=4))
    p = out.parent/f'{out.name}.yaml'; p.write_text(yaml.safe_dump(cfg)); return p

def test_train_cli(pairs, tmp_path):
    r = subprocess.run(audiomi_cmd('mine', 'train', '-c', config(pairs, tmp_path/'run'), '--set', 'training.epochs=3'),
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert sum(l.startswith('Epoch ') and ' | Val MI: ' in l for l in lines) == 3
    assert any(l.startswith('Test MI: ') and '95% CI' in l for l in lines)
    res = json.loads((tmp_path/'run'/'results.json').read_text())
    assert res['metrics']['epochs'] == 3 and res['config']['training']['epochs'] == 3

def test_killed_run_resumes_to_the_same_result(pairs, tmp_path):
    straight = subprocess.run(audiomi_cmd('mine', 'train', '-c', config(pairs, tmp_path/'a')), capture_output=True, text=True, cwd=ROOT)
    assert straight.returncode == 0, straight.stderr
    cfg_b = config(pairs, tmp_path/'b')
    p = subprocess.Popen(audiomi_cmd('mine', 'train', '-c', cfg_b), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seen = ''
    for line in p.stdout:                                 # kill it during epoch 4
        seen += line
        if line.startswith('Epoch 3/'): time.sleep(0.2); p.send_signal(signal.SIGKILL); break
    p.wait()
    assert 'Epoch 3/8' in seen and 'Epoch 8/8' not in seen
    last = tmp_path/'b'/'checkpoints'/'last.ckpt'
    resumed = subprocess.run(audiomi_cmd('mine', 'train', '-c', cfg_b, '--set', f'checkpoint.resume_from={last}'),
                             capture_output=True, text=True, cwd=ROOT)
    assert resumed.returncode == 0, resumed.stderr
    assert 'Epoch 8/8' in resumed.stdout and 'Epoch 1/8' not in resumed.stdout
    a = torch.load(tmp_path/'a'/'checkpoints'/'last.ckpt', weights_only=True)['state_dict']
    b = torch.load(last, weights_only=True)['state_dict']
    for k in a: assert torch.equal(a[k], b[k]) or (a[k].isnan().all() and b[k].isnan().all()), k
    ra, rb = (json.loads((tmp_path/d/'results.json').read_text())['metrics'] for d in 'ab')
    assert ra['test_mi'] == rb['test_mi'] and ra['best_val_mi'] == rb['best_val_mi']
