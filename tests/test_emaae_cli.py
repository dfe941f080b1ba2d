"""`audiomi emaae` through the console script on the synthetic EMA set of data_subset/ema (tiny model): a full run with
early stopping and the alpha phase, evaluation of the saved weights, a run killed mid-training and resumed, and bad
feature files that must stop the run with their names."""
import json, subprocess
import numpy as np
from conftest import ROOT, DATA, audiomi_cmd, kill_after_epoch

EMA = DATA/'ema'
TINY = ['--inner_size', '16', '--batch_sz', '16', '--segment', '60', '--device', 'cpu']

def run(*args):
    return subprocess.run(audiomi_cmd(*args), capture_output=True, text=True, cwd=ROOT)

def test_train_and_evaluate(tmp_path):
    out = tmp_path/'run'
    r = run('emaae', '--train_dir', EMA/'train', '--val_dir', EMA/'val', '--test_dir', EMA/'test', '--out_dir', out, *TINY,
            '--epochs', '4', '--early_stop', '--patience', '2', '--update', '--alpha_epochs', '2', '--weight_penalty')
    assert r.returncode == 0, r.stderr
    m = json.loads((out/'metrics.json').read_text())
    assert m['split'] == 'test' and m['test']['files'] == 8 and 0 < m['test']['sparsity'] < 1
    assert m['alpha_phase_epochs'] == 2 and m['settings']['weight_penalty'] is True
    assert (out/'test_per_file.csv').read_text().count('\n') == 9
    r = run('emaae', '--test_dir', EMA/'test', '--out_dir', tmp_path/'eval', '--eval_only', '--model_config', out/'model_config.json',
            '--checkpoint', out/'weights.pt', '--device', 'cpu')
    assert r.returncode == 0, r.stderr
    assert abs(json.loads((tmp_path/'eval'/'metrics.json').read_text())['test']['mse'] - m['test']['mse']) < 1e-5

def test_kill_and_resume(tmp_path):
    out = tmp_path/'run'
    ck = out/'checkpoints'/'last.ckpt'
    args = ['emaae', '--train_dir', EMA/'train', '--out_dir', out, *TINY]
    done = kill_after_epoch([*args, '--epochs', '100000'], ck)      # epochs finished before the kill
    r = run(*args, '--epochs', str(done + 2), '--resume')
    assert r.returncode == 0, r.stderr
    assert json.loads((out/'metrics.json').read_text())['epochs'] == done + 2
    assert (out/'weights.pt').exists()

def test_bad_feature_files(tmp_path):
    a = np.load(EMA/'train'/'utt_000.npy')
    for name, arr, msg in (('nan', np.where(np.arange(len(a))[:, None] == 5, np.nan, a).astype(np.float32), 'NaN or infinite value at frame 5'),
                           ('c12', a[:, :12], '12 channels, expected 14'),
                           ('short', a[:8], 'shorter than the model\'s receptive field of 13')):
        d = tmp_path/name; d.mkdir()
        np.save(d/'good.npy', a); np.save(d/f'{name}.npy', arr)
        r = run('emaae', '--train_dir', d, '--out_dir', tmp_path/f'out_{name}', *TINY, '--epochs', '1')
        assert r.returncode == 2 and f'{name}.npy' in r.stderr and msg in r.stderr, r.stderr
