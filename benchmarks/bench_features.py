#!/usr/bin/env python
"""Feature-extraction speed on data_subset/: real-time factor (seconds of audio per second of wall time) of each
extractor, through `extract_features` (batched, DataLoader workers, atomic writes) and through the obvious
alternative — a one-file-at-a-time loop (load, extract, np.save) — in the same run.

    python benchmarks/bench_features.py [--max_files N] [--threads 0 1 2] [--out results.json]

Targets (issue 2, 2-core CPU): complex spectrogram >= 300x real time, EnCodec codes >= 5x real time.
EnCodec runs the real 24 kHz model; without pretrained weights on the machine its weights are random and its codebooks
k-means-initialised — the same computation as with the pretrained weights, so the speed is the same."""
import argparse, os, sys, tempfile, time
from pathlib import Path
import numpy as np
import pandas as pd
import torch

from _common import cpu_name
from audiomi.core import format_table, write_json, environment_info
from audiomi.features import (load_audio, get_extractor, extract_features, load_encodec, init_encodec_codebooks,
                              find_encodec_checkpoint, EncodecExtractor)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT/'data_subset'

def naive_loop(ex, files, out):
    "The obvious alternative: one file at a time, no batching, no workers"
    secs = 0.0
    t0 = time.perf_counter()
    for f in files:
        w, _ = load_audio(f, ex.sample_rate)
        a = ex(w)
        dst = out/(f.stem + '.npy'); dst.parent.mkdir(parents=True, exist_ok=True); np.save(dst, a)
        secs += len(w) / ex.sample_rate
    return secs, time.perf_counter() - t0

def pipeline(ex, files, out, batch_size, num_workers):
    rep = extract_features(ex, files, out, root=DATA, batch_size=batch_size, num_workers=num_workers, progress=False)
    assert rep.ok and rep.done == len(files), rep.summary()
    return rep.audio_seconds, rep.wall_seconds

def encodec_extractor():
    if find_encodec_checkpoint('24khz') is not None:
        return EncodecExtractor(dict(bandwidth=6.0)), 'pretrained'
    torch.manual_seed(0)
    m = load_encodec(pretrained=False)
    md = pd.read_csv(DATA/'metadata.csv')
    init_encodec_codebooks(m, [load_audio(DATA/p, 24000)[0] for p in md.path[::24]], n_codebooks=8)
    return EncodecExtractor(dict(bandwidth=6.0), model=m), 'not on this machine: random weights, k-means codebooks (same computation)'

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--max_files', type=int, default=None, help='files from data_subset (default: all 384)')
    ap.add_argument('--threads', type=int, nargs='+', default=[0, 1, 2], help='decoding-thread counts to compare')
    ap.add_argument('--out', default=None, help='also write the results as JSON here')
    a = ap.parse_args(argv)
    md = pd.read_csv(DATA/'metadata.csv')
    files = [DATA/p for p in md.path][:a.max_files]
    enc, enc_note = encodec_extractor()
    cases = [('complex_spec n_fft 2048 hop 320', get_extractor('complex_spec', dict(n_fft=2048, hop_length=320)), 300),
             ('logmel 128 mels n_fft 1024 hop 160', get_extractor('logmel', dict(n_mels=128, n_fft=1024, hop_length=160)), None),
             ('encodec codes 24 kHz 6 kbps', enc, 5)]
    rows = []
    for name, ex, target in cases:
        ex(load_audio(files[0], ex.sample_rate)[0])          # warm-up (allocations, resampler kernels)
        with tempfile.TemporaryDirectory() as d:
            secs, t_naive = naive_loop(ex, files, Path(d)/'naive')
            rtf_naive = secs / t_naive
            rows.append(dict(extractor=name, method='naive loop (1 file at a time)', wall_s=t_naive, rtf=rtf_naive,
                             vs_naive=1.0, target=target, meets_target=None))
            for n in a.threads:
                s_p, t_p = pipeline(ex, files, Path(d)/f'pipe{n}', None, n)
                rows.append(dict(extractor=name, method=f'extract_features, batch {ex.preferred_batch_size}, {n} decode threads',
                                 wall_s=t_p, rtf=s_p / t_p, vs_naive=(s_p / t_p) / rtf_naive, target=target,
                                 meets_target=None if target is None else bool(s_p / t_p >= target)))
        print(f'{name}: ' + ', '.join(f"{r['rtf']:.0f}x" for r in rows if r['extractor'] == name), file=sys.stderr, flush=True)
    cmd = ('python benchmarks/bench_features.py ' + ' '.join(argv if argv is not None else sys.argv[1:])).strip()
    machine = f'{cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads)'
    audio_s = sum(sf_seconds(f) for f in files)
    print(f'\ncommand: {cmd}\nmachine: {machine}\ndata: {len(files)} files, {audio_s:.0f} s of audio (data_subset/)\n'
          f'EnCodec weights: {enc_note}\nrtf = seconds of audio per second of wall time\n')
    print(format_table(rows, floatfmt='.2f'))
    if a.out: write_json(a.out, dict(command=cmd, machine=machine, rows=rows, environment=environment_info()))
    best = {}
    for r in rows:
        if r['target'] is not None: best[r['extractor']] = max(best.get(r['extractor'], 0), r['rtf'] if r['method'] != 'naive loop (1 file at a time)' else 0)
    return 0 if all(best[r['extractor']] >= r['target'] for r in rows if r['target'] is not None) else 1

def sf_seconds(f):
    import soundfile as sf
    i = sf.info(str(f)); return i.frames / i.samplerate

if __name__ == '__main__': sys.exit(main())
