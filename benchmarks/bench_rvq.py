#!/usr/bin/env python
"""RVQ codec on data_subset features: codebook use, rate control, rate–distortion against layer switching and
vector-quantize-pytorch's GroupedResidualVQ, encode throughput, and bad inputs.

    python benchmarks/bench_rvq.py [--out_dir results/bench_rvq] [--groups 16] [--layers 3] [--codebook_size 128]
        [--epochs 20] [--entropy_layers 2] [--entropy_width 96] [--entropy_epochs 4] [--frames_per_lambda 3000] [--beam 4]

Protocol. Features: 128-band log-mels at 50 Hz (hop 320 at 16 kHz, the seed's emotion2vec frame rate) of every
data_subset utterance, extracted with `audiomi features`' extractor into one folder per split (train 256 / val 64 /
test 64 files; the split is by sentence). Stage 1 and 2 are `audiomi.rvq_train.train_rvq` / `train_entropy` (the
`audiomi rvq train` / `train-entropy` code) with the settings printed below. Everything else is measured on the
held-out test split (2. and 3. on a seeded subset of its frames, `--sweep_frames`):
1. codebook use per layer (perplexity, share of codewords used; target >= 95 % used);
2. rate control of the whole test split to 10, 20, ..., 300 bits per frame (BPF): achieved BPF, lambda, ECVQ passes
   (targets: every reachable target within +-1 BPF, median passes <= 6), and per-utterance rate control on 8 files;
3. rate–distortion: relative MSE against the real size of the bitstream for ECVQ (greedy, and with a beam of --beam
   paths per group), and for the seed's layer switching
   (the first n layers in every group, then one more in the first j groups, j in steps of G/4: 4M + 1 fixed-rate points, real rate =
   fixed length n*log2(K) per group, or the model-coded size when smaller), and for vector-quantize-pytorch's
   GroupedResidualVQ (same groups, codebook size and training frames; k-means init, EMA, dead-code replacement) at
   1..M quantizers; ECVQ is rate-controlled to within 1 BPF below each baseline's rate (model bits; the real
   bitstream adds about 0.02 BPF);
4. throughput: frames per second for 10 s of 50 Hz frames (500 frames): nearest-neighbour RVQ (the alternative), ECVQ
   at a fixed lambda, ECVQ + range coding, decoding, and rate control to 100 BPF (greedy, and the same with the beam);
5. bad inputs: the error messages for a dimension not divisible by G, NaN frames, a checkpoint of another
   configuration and a corrupt bitstream."""
import argparse, json, math, os, shlex, sys, time, warnings
from pathlib import Path
import numpy as np
import pandas as pd
import torch

from _common import cpu_name
from audiomi.core import format_table, write_json, environment_info, load_config
from audiomi.features import LogMelExtractor, extract_features
from audiomi.rvq import Codec, GroupedRVQ, relative_mse, codebook_stats, load_codec, save_module
from audiomi.rvq_train import RvqConfig, train_rvq, train_entropy, load_frames

ROOT = Path(__file__).resolve().parent.parent

def features(out: Path) -> dict:
    "128-band log-mels at 50 Hz of every data_subset file, one folder per split (resumable)"
    md = pd.read_csv(ROOT/'data_subset'/'metadata.csv')
    ex = LogMelExtractor(dict(n_mels=128, hop_length=320, n_fft=1024))
    dirs = {}
    for split in ('train', 'val', 'test'):
        dirs[split] = out/'features'/split
        rep = extract_features(ex, [ROOT/'data_subset'/p for p in md[md.split == split].path], dirs[split], root=ROOT/'data_subset',
                               progress=False)
        if rep.failures: raise RuntimeError(f'feature extraction failed for {len(rep.failures)} files')
    return dirs

def layer_switch_points(codec: Codec, x, steps: int = 4) -> list:
    "The seed's discrete layer switching: n layers everywhere, then one more in the first j groups (j in G/steps steps)"
    G, M = codec.rvq.G, codec.rvq.M
    pts = []
    for n in range(M):
        for j in range(0, G, max(G // steps, 1)):
            nl = [n + 1] * j + [n] * (G - j)
            r = codec.layer_switch(x, nl)
            pts.append(dict(n_layers=f'{n}+{j}/{G}', fixed_bpf=r['fixed_bpf'], coded_bpf=r['bpf'],
                            bpf_real=min(r['fixed_bpf'], r['bpf']), rel_mse=r['rel_mse']))
    r = codec.layer_switch(x, M)
    pts.append(dict(n_layers=f'{M}', fixed_bpf=r['fixed_bpf'], coded_bpf=r['bpf'], bpf_real=min(r['fixed_bpf'], r['bpf']), rel_mse=r['rel_mse']))
    return pts

def vqp_points(x_tr, x_te, rvq: GroupedRVQ, epochs: int, batch: int, seed: int) -> list:
    "vector-quantize-pytorch GroupedResidualVQ at 1..M quantizers: same groups, K, standardisation and frames"
    from vector_quantize_pytorch import GroupedResidualVQ
    z_tr, z_te = rvq.normalize(x_tr), rvq.normalize(x_te)
    out = []
    for q in range(1, rvq.M + 1):
        torch.manual_seed(seed)
        vq = GroupedResidualVQ(dim=rvq.dim, groups=rvq.G, num_quantizers=q, codebook_size=rvq.K, kmeans_init=True,
                               kmeans_iters=10, decay=0.99, threshold_ema_dead_code=2)
        vq.train()
        t0 = time.perf_counter()
        for ep in range(epochs):
            for b in torch.randperm(len(z_tr), generator=torch.Generator().manual_seed(seed + ep)).split(batch):
                if len(b) < batch: continue
                vq(z_tr[b][:, None])
        vq.eval()
        with torch.no_grad(): zq = vq(z_te[:, None])[0][:, 0]
        out.append(dict(quantizers=q, bpf_real=rvq.G * q * math.log2(rvq.K), rel_mse=relative_mse(z_te, zq),
                        train_s=time.perf_counter() - t0))
    return out

def throughput(codec: Codec, x, beam: int = 1, reps: int = 3) -> list:
    "Frames per second on 500 frames (10 s at 50 Hz)"
    x = x[:500]; z = codec.rvq.normalize(x)
    def timeit(f):
        f(); ts = []
        for _ in range(reps):
            t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
        return min(ts)
    blob, _ = codec.compress(x, lam=4.0)
    rows = [('nearest-neighbour RVQ (no entropy model)', lambda: codec.rvq.quantize(z)),
            ('ECVQ at lambda 4 (model bits)', lambda: codec.encode(x, 4.0)),
            ('ECVQ at lambda 4 + range coding', lambda: codec.compress(x, lam=4.0)),
            ('decode (range decoding + model)', lambda: codec.decompress(blob)),
            ('rate control to 100 BPF + range coding', lambda: codec.compress(x, target_bpf=100.0))]
    if beam > 1:
        bc = Codec(codec.rvq, codec.model, codec.chunk, beam=beam)
        rows += [(f'beam-{beam} ECVQ at lambda 4 + range coding', lambda: bc.compress(x, lam=4.0)),
                 (f'beam-{beam} rate control to 100 BPF + range coding', lambda: bc.compress(x, target_bpf=100.0))]
    res = [dict(operation=name, seconds=timeit(f)) for name, f in rows]
    base = res[0]['seconds']
    for r in res: r.update(frames_per_s=len(x) / r['seconds'], x_realtime=len(x) / 50 / r['seconds'], slowdown_vs_nn=r['seconds'] / base)
    return res

def bad_inputs(codec: Codec, out: Path) -> list:
    rows = []
    def expect(what, f):
        try: f(); rows.append(dict(input=what, error='(no error!)'))
        except Exception as e: rows.append(dict(input=what, error=f'{type(e).__name__}: {str(e)[:150]}'))
    expect('feature dim 100 with groups=16', lambda: GroupedRVQ(100, groups=16))
    x = np.zeros((10, codec.rvq.dim), np.float32); x[3, 5] = np.nan
    expect('NaN in frame 3', lambda: codec.encode(x, 1.0))
    other = GroupedRVQ(codec.rvq.dim, groups=codec.rvq.G // 2, layers=codec.rvq.M, codebook_size=codec.rvq.K)
    save_module(other, out/'other_rvq.pt')
    expect('rvq.pt of another configuration + this entropy.pt', lambda: load_codec(out/'other_rvq.pt', out/'run'/'entropy.pt'))
    blob, _ = codec.compress(np.zeros((20, codec.rvq.dim), np.float32) + codec.rvq.shift.numpy(), lam=1.0)
    bad = bytearray(blob); bad[-3] ^= 0x10
    expect('bitstream with one flipped bit', lambda: codec.decompress(bytes(bad)))
    expect('bitstream cut short', lambda: codec.decompress(blob[:-4]))
    return rows

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out_dir', default='results/bench_rvq')
    ap.add_argument('--groups', type=int, default=16); ap.add_argument('--layers', type=int, default=3)
    ap.add_argument('--codebook_size', type=int, default=128); ap.add_argument('--epochs', type=int, default=20)
    ap.add_argument('--entropy_layers', type=int, default=2); ap.add_argument('--entropy_width', type=int, default=96)
    ap.add_argument('--entropy_heads', type=int, default=4)
    ap.add_argument('--entropy_epochs', type=int, default=4); ap.add_argument('--refine_epochs', type=int, default=2)
    ap.add_argument('--frames_per_lambda', type=int, default=3000)
    ap.add_argument('--targets', type=float, nargs='+', default=list(range(10, 301, 10)))
    ap.add_argument('--sweep_frames', type=int, default=2000, help='test frames (seeded subset) for the rate sweep and rate-distortion')
    ap.add_argument('--beam', type=int, default=4, help='also rate-control beam-search ECVQ with this beam to each baseline rate (1: greedy only)')
    ap.add_argument('--rd_only', nargs='+', default=None, metavar='SETTING',
                    help="run only the rate-distortion comparison, at these layer-switching settings (e.g. 3 or 2+12/16)")
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--retrain', action='store_true', help='train again even if out_dir has a codec')
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    warnings.filterwarnings('ignore')
    out = Path(a.out_dir); out.mkdir(parents=True, exist_ok=True)
    cmd = 'python benchmarks/bench_rvq.py ' + ' '.join(shlex.quote(s) for s in (sys.argv[1:] if argv is None else argv))
    print(f'command: {cmd}\nmachine: {cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads)', flush=True)
    t_all = time.perf_counter()
    dirs = features(out)
    cfg = load_config(dict(data=dict(train=str(dirs['train']), val=str(dirs['val']), test=str(dirs['test'])),
                           model=dict(groups=a.groups, layers=a.layers, codebook_size=a.codebook_size),
                           training=dict(max_epochs=a.epochs, batch_size=1024, seed=a.seed, device='cpu'),
                           entropy=dict(n_layers=a.entropy_layers, d_model=a.entropy_width, n_heads=a.entropy_heads,
                                        max_epochs=a.entropy_epochs, refine_epochs=a.refine_epochs, frames_per_lambda=a.frames_per_lambda,
                                        batch_size=256, lr=1e-3, warmup_steps=200)), RvqConfig)
    run = out/'run'
    if a.retrain or not (run/'entropy.pt').exists():
        t0 = time.perf_counter(); rec1 = train_rvq(cfg, run); s1 = time.perf_counter() - t0
        t0 = time.perf_counter(); train_entropy(cfg, run); s2 = time.perf_counter() - t0
        write_json(out/'train_times.json', dict(rvq_s=s1, entropy_s=s2))
    times = json.loads((out/'train_times.json').read_text())
    rec1 = json.loads((run/'rvq_results.json').read_text())
    codec = load_codec(run/'rvq.pt', run/'entropy.pt')
    x_tr = load_frames(dirs['train'])[0]; x_te, idx = load_frames(dirs['test'])
    print(f"features: 128-d log-mel at 50 Hz; train {len(x_tr)} frames, test {len(x_te)} frames ({len(idx)} files)")
    print(f"codec: {codec.rvq.G} groups x {codec.rvq.M} layers x {codec.rvq.K} codewords + SKIP ({codec.rvq.n_tokens} tokens/frame); "
          f"entropy model {codec.model.config()}; training {times['rvq_s']:.0f} s (RVQ, {a.epochs} epochs) + {times['entropy_s']:.0f} s (entropy)\n")

    # 1. codebook use
    with torch.no_grad(): stats = codebook_stats(codec.rvq.quantize(codec.rvq.normalize(x_te))[0], codec.rvq.K)
    st_rows = [dict(split=sp, layer=s['layer'], perplexity=s['perplexity'], perplexity_ratio=s['perplexity_ratio'],
                    utilisation=s['utilisation']) for sp, ss in (('train', rec1['train']['layers']), ('test', stats)) for s in ss]
    print('codebook use (full-depth nearest neighbour):\n' + format_table(st_rows) + '\n')

    # 2. rate control
    x_sw = x_te[np.sort(np.random.default_rng(a.seed).choice(len(x_te), min(a.sweep_frames, len(x_te)), replace=False))]
    print(f"rate sweep and rate-distortion on {len(x_sw)} test frames (a seeded subset of all {len(x_te)})\n")
    ok_rc, med_it, rc, per_file = True, float('nan'), [], []
    if not a.rd_only:
        rc_rows = []
        for t in a.targets:
            t0 = time.perf_counter(); r = codec.rate_control(x_sw, t); dt = time.perf_counter() - t0
            rc.append(dict(target=t, bpf=r['bpf'], lam=r['lam'], iterations=r['iterations'], status=r['status'], rel_mse=r['rel_mse'], seconds=dt))
            rc_rows.append(dict(target=t, achieved=r['bpf'], error=r['bpf'] - t, lam=r['lam'], passes=r['iterations'], status=r['status'],
                                rel_mse=r['rel_mse'], seconds=dt))
            print(f"  target {t:g}: {r['message']}", file=sys.stderr, flush=True)
        print('rate control of the frames to each target:\n' + format_table(rc_rows) + '\n')
        reach = [r for r in rc if r['status'] not in ('above_max_rate', 'below_min_rate', 'gap')]
        ok_rc = all(abs(r['bpf'] - r['target']) <= 1 for r in reach)
        med_it = float(np.median([r['iterations'] for r in reach])) if reach else float('nan')
        per_file = []
        for f in idx.head(8).itertuples():                  # the first 8 test utterances, each rate-controlled alone
            xf = x_te[f.start:f.start + f.frames]
            for t in (20, 50, 100, 150, 200, 250):
                r = codec.rate_control(xf, t)
                per_file.append(dict(file=Path(f.file).name, frames=f.frames, target=t, bpf=r['bpf'], passes=r['iterations'], status=r['status']))
        pf = pd.DataFrame(per_file)
        pf_reach = pf[pf.status.isin(['ok', 'max_iter'])]
        print(f"per-utterance rate control (8 files x 6 targets): {int((pf.status == 'ok').sum())}/{len(pf)} within +-1 BPF, "
              f"{int(pf.status.isin(['above_max_rate', 'below_min_rate']).sum())} out of reach, median passes {pf_reach.passes.median():.0f}\n")

    # 3. rate-distortion
    x_rd = x_sw
    curve = [dict(lam=lam, bpf=codec.encode(x_rd, lam)['bpf']) for lam in [0.0] + list(np.logspace(-3, 4, 22))]
    curve = sorted(curve, key=lambda c: -c['bpf'])
    ls = layer_switch_points(codec, x_rd)
    if a.rd_only: ls = [p for p in ls if p['n_layers'] in a.rd_only]
    vq = [] if a.rd_only else vqp_points(x_tr, x_rd, codec.rvq, a.epochs, 1024, a.seed)
    cmp_rows = []
    beam_codec = Codec(codec.rvq, codec.model, codec.chunk, beam=a.beam) if a.beam > 1 else None
    for kind, pts in (('layer switching', ls), ('vector-quantize-pytorch GRVQ', vq)):
        for p in pts:
            if p['bpf_real'] <= 0: continue
            lam0 = float(np.exp(np.interp(-p['bpf_real'], [-c['bpf'] for c in curve], [np.log(max(c['lam'], 1e-4)) for c in curve])))
            row = dict(baseline=kind, setting=p.get('n_layers', p.get('quantizers')), baseline_bpf=p['bpf_real'], baseline_rel_mse=p['rel_mse'])
            for name, c in (('ecvq', codec), (f'beam{a.beam}', beam_codec)):
                if c is None: continue
                r = c.rate_control(x_rd, p['bpf_real'] - 0.5, tol=0.5, lam_init=lam0)   # [rate − 1, rate]: never more bits
                lam = r['lam_below'] if r['status'] == 'gap' and r['bpf'] > p['bpf_real'] else r['lam']   # the jump at λ = 0
                blob, info = c.compress(x_rd, lam=lam)
                row.update({f'{name}_bpf_real': info['bpf_real'], f'{name}_rel_mse': info['rel_mse'],
                            f'mse_ratio_baseline_over_{name}': p['rel_mse'] / max(info['rel_mse'], 1e-12),
                            f'{name}_better': bool(info['rel_mse'] < p['rel_mse'])})
            cmp_rows.append(row)
    print('rate-distortion on the test split (ECVQ' + (f' greedy and with beam {a.beam}' if beam_codec else '') +
          ' rate-controlled to each baseline rate; real bitstream sizes):\n' + format_table(cmp_rows) + '\n')
    ls_rows = [c for c in cmp_rows if c['baseline'] == 'layer switching']
    best = f'beam{a.beam}' if beam_codec else 'ecvq'                  # the target is judged on the best encoder
    ok_rd = all(c[f'{best}_better'] for c in ls_rows)
    if a.rd_only: return 0
    real = [r for r in codec_rd(codec, x_rd)]
    print('ECVQ bitstreams: real size vs model estimate:\n' + format_table(real) + '\n')

    # 4. throughput
    tp = throughput(codec, x_te, a.beam)
    print('encode/decode throughput, 500 frames (10 s at 50 Hz):\n' + format_table(tp) + '\n')

    # 5. bad inputs
    bad = bad_inputs(codec, out)
    print('bad inputs:\n' + format_table(bad) + '\n')

    util_ok = all(s['utilisation'] >= 0.95 for s in stats)
    total = time.perf_counter() - t_all
    print(f"targets: codewords used >= 95 % in every layer: {util_ok}; every reachable rate target within +-1 BPF: {ok_rc} "
          f"({len(reach)}/{len(rc)} reachable); median ECVQ passes {med_it:g} (target <= 6): {med_it <= 6}; "
          f"ECVQ ({best}) better than layer switching at every baseline rate: {ok_rd} ({sum(c[f'{best}_better'] for c in ls_rows)}/{len(ls_rows)}; "
          f"greedy {sum(c['ecvq_better'] for c in ls_rows)}/{len(ls_rows)})")
    print(f'total: {total:.0f} s (training included when it ran)')
    write_json(out/'bench_rvq.json', dict(command=cmd, environment=environment_info(), stats=st_rows, rate_control=rc, per_file=per_file,
                                          rd=cmp_rows, real_bits=real, throughput=tp, bad_inputs=bad, train_times=times,
                                          ok=dict(utilisation=util_ok, rate_control=ok_rc, median_iterations=med_it, rd=ok_rd)))
    return 0 if (util_ok and ok_rc and med_it <= 6 and ok_rd) else 1

def codec_rd(codec, x):
    rows = []
    for lam in (0.0, 1.0, 4.0, 16.0, 64.0):
        blob, info = codec.compress(x, lam=lam)
        rows.append(dict(lam=lam, bpf_model=info['bpf_model'], bpf_real=info['bpf_real'], file_bpf=info['file_bits'] / info['n_frames'],
                         real_over_model=info['bpf_real'] / info['bpf_model'], rel_mse=info['rel_mse']))
    return rows

if __name__ == '__main__':
    sys.exit(main())
