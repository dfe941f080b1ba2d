#!/usr/bin/env python
"""Audio MAE training speed on this CPU: spectrograms per second through Lightning training epochs (forward, loss,
backward, AdamW step) of `audiomi.mae_train.MAEModule` with the seed's default model (256 x 256 mels, patches of 16,
encoder and decoder 6 blocks of width 256, 6 heads, MLP ratio 1, mask ratio 0.8), against the obvious alternatives in
the same run: the same network encoding every patch (mask ratio 0, i.e. what an autoencoder without MAE's
encoder-only-visible trick costs), the classifier mode (all patches through the encoder, no decoder), and
`memory_efficient` (activation checkpointing).

    python benchmarks/bench_mae.py [--batch_size 16] [--steps 20] [--threads 2] [--variants auto auto_mask0 classifier auto_memory_efficient]
        [--out results/bench_mae.json]

The inputs are random tensors of the configured shape (the speed of a dense transformer does not depend on the
values) held in memory, so the numbers are the model's cost, not the disk's. One warm-up epoch of 3 steps, then
`--steps` timed steps in one epoch."""
import argparse, os, shlex, sys, time, warnings
import torch

from _common import cpu_name
from audiomi.core import format_table, write_json, environment_info, seed_everything
from audiomi.mae_train import MAEModule
from audiomi.audio_mae import MAEModelConfig
from audiomi.mine import quiet_trainer, fit_quietly

VARIANTS = {'auto': dict(mode_type='auto'), 'auto_mask0': dict(mode_type='auto', mask_ratio=0.0),
            'classifier': dict(mode_type='classifier'), 'auto_memory_efficient': dict(mode_type='auto', memory_efficient=True)}

def loader(n, batch_size, shape, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, *shape, generator=g)
    y = (torch.rand(n, generator=g) > 0.5).float()
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=batch_size, shuffle=True, drop_last=True)

def run(variant, batch_size, steps, model, seed):
    seed_everything(seed)
    kw = dict(VARIANTS[variant])
    module = MAEModule(model=model, **kw)
    shape = (model['num_mels'], model['mel_len'])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        fit_quietly(quiet_trainer(max_epochs=1, accelerator='cpu', devices=1), module, loader(3 * batch_size, batch_size, shape, seed))
        dl = loader(steps * batch_size, batch_size, shape, seed + 1)
        t0 = time.perf_counter()
        fit_quietly(quiet_trainer(max_epochs=1, accelerator='cpu', devices=1), module, dl)
        dt = time.perf_counter() - t0
    n_params = sum(p.numel() for p in module.parameters())
    return dict(variant=variant, params_M=round(n_params / 1e6, 2), batch_size=batch_size, steps=steps,
                seconds=round(dt, 1), samples_per_s=round(steps * batch_size / dt, 2), ms_per_step=round(1000 * dt / steps, 1))

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--batch_size', type=int, default=16)
    ap.add_argument('--steps', type=int, default=20, help='timed training steps per variant')
    ap.add_argument('--threads', type=int, default=2, help='torch CPU threads')
    ap.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument('--out', default=None, help='also write the results as JSON here')
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    model = dict(vars(MAEModelConfig()))
    rows = [run(v, a.batch_size, a.steps, model, 0) for v in a.variants]
    ref = next((r for r in rows if r['variant'] == 'auto'), rows[0])
    for r in rows: r['speed_vs_auto'] = round(r['samples_per_s'] / ref['samples_per_s'], 2)
    print('command: python benchmarks/bench_mae.py ' + ' '.join(shlex.quote(x) for x in (argv if argv is not None else sys.argv[1:])))
    print(f'machine: {cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__} ({a.threads} threads)')
    print(f"model: the seed's default ({model['num_mels']}x{model['mel_len']} mels, patch {model['patch_size']}, "
          f"{model['encoder_depth']}+{model['decoder_depth']} blocks of {model['embed_dim']}, {model['num_heads']} heads); random inputs")
    print(format_table(rows))
    if a.out: write_json(a.out, dict(rows=rows, args=vars(a), environment=environment_info()))

if __name__ == '__main__':
    main()
