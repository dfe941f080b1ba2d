"""`audiomi mae` through the console script on two speakers of data_subset (tiny model): the dataset maker with a
corrupt audio file (the rest is written, the failure listed, exit status 1), the autoencoder → reconstruction report
→ filtered classifier → evaluation chain, a run killed mid-training and resumed from its last checkpoint, and a
`.pt` file that is not a mel tensor."""
import json, shutil, subprocess
import pandas as pd
import torch, yaml
from conftest import ROOT, DATA, audiomi_cmd, kill_after_epoch

SPEAKERS = ['spk01', 'spk02']
TINY = dict(batch_size=16, patience=3, learning_rate=1e-3, device='cpu', seed=0,
            model=dict(num_mels=16, mel_len=32, patch_size=8, embed_dim=32, encoder_depth=1, num_heads=4,
                       decoder_embed_dim=16, decoder_depth=1, decoder_num_heads=2, mlp_ratio=1.0))

def run(*args):
    return subprocess.run(audiomi_cmd(*args), capture_output=True, text=True, cwd=ROOT)

def make_data(tmp_path, src=DATA):
    out = tmp_path/'mels'
    r = run('mae', 'make-data', '--src', src, '--out_dir', out, '--n_mels', '16', '--mel_len', '32', '--speakers', *SPEAKERS)
    return r, out

def config(tmp_path, **kw):
    p = tmp_path/'mae.yaml'
    p.write_text(yaml.safe_dump(TINY | kw))
    return p

def test_make_data_keeps_going_past_a_corrupt_file(tmp_path):
    src = tmp_path/'src'
    (src/'audio').mkdir(parents=True)
    md = pd.read_csv(DATA/'metadata.csv')
    md = md[md.speaker.isin(SPEAKERS)]
    md.to_csv(src/'metadata.csv', index=False)
    for s in SPEAKERS: shutil.copytree(DATA/'audio'/s, src/'audio'/s)
    bad = src/md.path.iloc[3]
    bad.write_bytes(b'this is not a flac file')
    r, out = make_data(tmp_path, src)
    assert r.returncode == 1, r.stderr
    fails = pd.read_csv(out/'failures.csv')
    assert len(fails) == 1 and md.path.iloc[3] in fails.iloc[0, 0]
    assert len(list(out.rglob('*.pt'))) == len(md) - 1

def test_pipeline(tmp_path):
    r, data = make_data(tmp_path)
    assert r.returncode == 0, r.stderr
    cfg = config(tmp_path, base_dir=str(data), max_epochs=2)
    r = run('mae', 'train', '-c', cfg, '--mode_type', 'auto', '--base_path', tmp_path, '--prefix', 'auto')
    assert r.returncode == 0, r.stderr
    auto = tmp_path/'auto'
    for f in ('logs/config_used.yaml', 'logs/model_summary.txt', 'checkpoints/last.ckpt'): assert (auto/f).exists(), f
    assert len(list((auto/'checkpoints').glob('epoch=*-val_loss=*.ckpt'))) == 2
    r = run('mae', 'recon', '--checkpoint', auto/'checkpoints'/'last.ckpt', '--base_dir', data, '--out_dir', tmp_path/'recon', '--device', 'cpu')
    assert r.returncode == 0, r.stderr
    head = (tmp_path/'recon'/'train_recon.csv').read_text().splitlines()
    assert head[0].startswith('mean,std,histogram_bins') and 'filename,reconstruction_loss,signal_energy' in head
    r = run('mae', 'train', '-c', cfg, '--mode_type', 'classifier', '--base_path', tmp_path, '--prefix', 'cls',
            '--pretrained', auto/'checkpoints'/'last.ckpt', '--use_filter_dir', tmp_path/'recon', '--filter_mode', 'median',
            '--filter_params', '1.5', '--energy_filter_mode', 'percentile', '--energy_filter_params', '0.02', '0.98',
            '--loss_type', 'asymmetric', '--extend_bad')
    assert r.returncode == 0, r.stderr
    assert 'files filtered out' in r.stdout and 'pretrained:' in r.stdout
    ck = sorted((tmp_path/'cls'/'checkpoints').glob('epoch=*-train_acc=*-val_acc=*.ckpt'))
    assert ck, list((tmp_path/'cls'/'checkpoints').iterdir())
    r = run('mae', 'evaluate', '--checkpoint', ck[-1], '--base_dir', data, '--out_dir', tmp_path/'eval', '--device', 'cpu',
            '--use_filter_dir', tmp_path/'recon', '--filter_mode', 'median', '--filter_params', '1.5')
    assert r.returncode == 0, r.stderr
    ev = json.loads((tmp_path/'eval'/'eval_val.json').read_text())
    assert set(ev['file']) >= {'accuracy', 'f1', 'auc'} and set(ev['patient']) >= {'accuracy', 'f1', 'auc'}
    assert len(pd.read_csv(tmp_path/'eval'/'eval_val_patients.csv')) == 8       # 2 speakers x 4 styles

def test_kill_and_resume(tmp_path):
    r, data = make_data(tmp_path)
    assert r.returncode == 0, r.stderr
    cfg = config(tmp_path, base_dir=str(data), max_epochs=100000, patience=100000)
    ck = tmp_path/'auto'/'checkpoints'/'last.ckpt'
    done = kill_after_epoch(['mae', 'train', '-c', cfg, '--base_path', tmp_path, '--prefix', 'auto'], ck)
    r = run('mae', 'train', '-c', cfg, '--base_path', tmp_path, '--prefix', 'auto', '--checkpoint_path', ck, '--max_epochs', str(done + 1))
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path/'auto'/'logs'/'train_result.json').read_text())
    assert res['epochs'] == done + 1
    r = run('mae', 'train', '-c', cfg, '--mode_type', 'tripletloss', '--base_path', tmp_path, '--prefix', 'tri', '--checkpoint_path', ck)
    assert r.returncode == 2 and "trained in mode 'auto', this run is 'tripletloss'" in r.stderr, r.stderr

def test_bad_mel_file(tmp_path):
    r, data = make_data(tmp_path)
    assert r.returncode == 0, r.stderr
    bad = sorted((data/'val'/'good').glob('*.pt'))[0]
    torch.save(torch.zeros(16, 31), bad)
    r = run('mae', 'train', '-c', config(tmp_path, base_dir=str(data), max_epochs=1), '--base_path', tmp_path)
    assert r.returncode == 2 and bad.name in r.stderr, r.stderr
