#!/usr/bin/env python
"""EMA autoencoder training speed on this CPU: frames of EMA features per second through a Lightning training epoch
(forward, loss, backward, optimizer step), for the seed's code sizes (1024 and 768) and block counts, with this
project's batching (equal-length random crops of utterances grouped by length, no padding; `ema_loaders`, what
`train_emaae` uses) against the obvious alternative, the seed's zero-padded whole-utterance batches.

    python benchmarks/bench_emaae.py [--data data_subset/ema/train] [--epochs 3] [--batch_sz 16] [--segment 200]
        [--configs 1024:2:2 768:2:2 1024:3:3] [--threads 2] [--out results/bench_emaae.json]

Frames per second counts the real frames a training epoch processes (crops: batch x crop length; padded batches:
the utterances' own frames, not the padding), after one warm-up epoch. `crop_share` is the share of the training
frames an epoch of crops covers (padded batches cover all of them, plus padding). The data are the synthetic VocalTractLab
trajectories of data_subset/ema (50 Hz, T x 14); only their lengths matter for speed."""
import argparse, os, shlex, sys, time, warnings
from pathlib import Path
import numpy as np
import torch

from _common import cpu_name
from audiomi.core import format_table, write_json, environment_info, seed_everything
from audiomi.ema_ae import ema_files, load_ema, ChannelNorm, ema_loaders, EmaAEArch
from audiomi.ema_ae_module import EmaAEModule
from audiomi.mine import quiet_trainer, fit_quietly

ROOT = Path(__file__).resolve().parent.parent

def padded_loader(arrays, batch_size, seed):
    "The seed's batching: whole utterances, zero-padded to the longest of the batch"
    xs = [torch.from_numpy(np.ascontiguousarray(a.T)) for a in arrays]
    def collate(batch):
        L = max(b.shape[1] for b in batch)
        return torch.stack([torch.nn.functional.pad(b, (0, L - b.shape[1])) for b in batch])
    return torch.utils.data.DataLoader(xs, batch_size=batch_size, shuffle=True, collate_fn=collate,
                                       generator=torch.Generator().manual_seed(seed))

class _Frames:
    "Counts the frames a loader yields (padding included)"
    def __init__(self, loader): self.loader, self.n = loader, 0
    def __iter__(self):
        for b in self.loader:
            self.n += b.shape[0] * b.shape[2]
            yield b
    def __len__(self): return len(self.loader)

def run(arrays, arch, loader_kind, epochs, batch_sz, segment, seed):
    seed_everything(seed)
    module = EmaAEModule(arch, alpha=0.1)
    if loader_kind == 'crops':
        dl, _ = ema_loaders(arrays, None, batch_sz, segment, seed)     # what train_emaae uses
        per_epoch = None
    else:
        dl = padded_loader(arrays, batch_sz, seed)
        per_epoch = sum(len(a) for a in arrays)          # real frames per epoch (the padding is not counted)
    counted = _Frames(dl)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        fit_quietly(quiet_trainer(max_epochs=1, accelerator='cpu', devices=1), module, counted)     # warm-up epoch
        counted.n = 0
        t0 = time.perf_counter()
        fit_quietly(quiet_trainer(max_epochs=epochs, accelerator='cpu', devices=1), module, counted)
        dt = time.perf_counter() - t0
    frames = per_epoch * epochs if per_epoch else counted.n
    processed = counted.n
    return dict(frames=frames, processed=processed, seconds=dt, fps=frames / dt, steps=len(dl) * epochs)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data', default=str(ROOT/'data_subset'/'ema'/'train'), help='folder of T x 14 EMA .npy files')
    ap.add_argument('--epochs', type=int, default=3, help='timed epochs per configuration (after one warm-up epoch)')
    ap.add_argument('--batch_sz', type=int, default=16, help='utterances per batch')
    ap.add_argument('--segment', type=int, default=200, help='crop length in frames')
    ap.add_argument('--configs', nargs='+', default=['1024:2:2', '768:2:2', '1024:3:3'], help='inner_size:n_encoder:n_decoder')
    ap.add_argument('--threads', type=int, default=os.cpu_count(), help='torch CPU threads')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default=None, help='also write the results as JSON here')
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    cmd = 'python benchmarks/bench_emaae.py ' + ' '.join(shlex.quote(s) for s in (sys.argv[1:] if argv is None else argv))
    files = ema_files(a.data)
    raw = [load_ema(f) for f in files]
    norm = ChannelNorm().fit(raw)
    arrays = [norm(x) for x in raw]
    lens = np.array([len(x) for x in arrays])
    print(f"command: {cmd}\nmachine: {cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads)\n"
          f"data: {len(arrays)} utterances of {a.data} (synthetic), {lens.sum()} frames, {lens.min()}-{lens.max()} frames each; "
          f"batch {a.batch_sz}, crop {a.segment}, {a.epochs} timed epochs", flush=True)
    rows = []
    for c in a.configs:
        inner, ne, nd = map(int, c.split(':'))
        arch = vars(EmaAEArch(inner_size=inner, n_encoder=ne, n_decoder=nd))
        res = {k: run(arrays, arch, k, a.epochs, a.batch_sz, a.segment, a.seed) for k in ('crops', 'padded')}
        params = sum(p.numel() for p in EmaAEModule(arch).parameters())
        for k, r in res.items():
            rows.append(dict(inner_size=inner, blocks=f'{ne}+{nd}', params=f'{params / 1e6:.2f} M', batching=k, frames=r['frames'],
                             crop_share=round(r['frames'] / (lens.sum() * a.epochs), 2),
                             seconds=round(r['seconds'], 2), frames_per_s=round(r['fps']), ms_per_step=round(1000 * r['seconds'] / r['steps'], 1),
                             speedup_vs_padded=round(r['fps'] / res['padded']['fps'], 2)))
        print(f"  {c}: crops {res['crops']['fps']:.0f} frames/s, padded {res['padded']['fps']:.0f} frames/s", file=sys.stderr, flush=True)
    print('\n' + format_table(rows))
    print(f"\nreal time: 50 frames per second of speech, so {rows[0]['frames_per_s'] / 50:.0f} s of speech trained per second "
          f"({rows[0]['inner_size']}, {rows[0]['blocks']} blocks, crops)")
    if a.out: write_json(a.out, dict(command=cmd, rows=rows, environment=environment_info()))
    return 0

if __name__ == '__main__': sys.exit(main())
