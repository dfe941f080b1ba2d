"""Helpers shared by the benchmark scripts (run as `python benchmarks/<script>.py`, so this folder is on sys.path)."""
import platform

def cpu_name() -> str:
    "The CPU model, for the machine line of a benchmark table"
    try:
        for l in open('/proc/cpuinfo'):
            if l.startswith('model name'): return l.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()
