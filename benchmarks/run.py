"""Run the workloads of docs/benchmarks.md; one JSON line per workload on stdout.

    python benchmarks/run.py                      # every workload, PyTorch too when installed
    python benchmarks/run.py B2e B4 --repeats 3   # some workloads, median of 3 runs each
    python benchmarks/run.py B1 --no-torch
    python benchmarks/run.py B2 B2e --device cuda   # B1-B3e on a GPU (cupy; PyTorch on cuda too)

Every run of a workload is a fresh subprocess; the project and PyTorch runs alternate. The ratio is
project time / PyTorch time (below 1: the project is faster). A facade workload (B1-B3) whose model
keras_facade cannot build yet prints ``{"id": ..., "skipped": reason}``.
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ["B1", "B1e", "B2", "B2e", "B3", "B3e", "B4", "B5", "B6", "B7", "B2dp"]
# the timing metric of each workload and whether larger is better
METRIC = {"B4": ("us_per_op", False), "B5": ("gflops", True), "B6": ("seconds", False),
          "B7": ("ms_per_batch", False)}
FACADE = {"B1", "B2", "B3"}
GPU_READY = {"B1", "B1e", "B2", "B2e", "B3", "B3e"}  # the workloads that --device moves


def _metric(wid):
    return METRIC.get(wid, ("ms_per_step", False))


def worker(wid, side):
    """Run one workload here and print its measurements as JSON."""
    sys.path.insert(0, os.path.dirname(HERE))
    module = importlib.import_module(f"benchmarks.{side}_side")
    try:
        result = module.WORKLOADS[wid]()
    except Exception as exc:  # a facade model that cannot be built yet
        if side == "project" and wid in FACADE:
            result = {"skipped": f"{type(exc).__name__}: {exc}"}
        else:
            raise
    print(json.dumps(result))


def _spawn(args):
    proc = subprocess.run([sys.executable] + args, capture_output=True, text=True, cwd=os.path.dirname(HERE))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail) or f"exit status {proc.returncode}"}
    return json.loads(lines[-1])


def _run_once(wid, side):
    if wid == "B7":
        return _spawn([os.path.join(HERE, "b7_image_generator.py")])
    return _spawn([os.path.abspath(__file__), "--worker", wid, "--side", side])


def _median(runs, key):
    values = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
    return float(np.median(values)) if values else None


def measure(wid, repeats, with_torch):
    """Alternate project and PyTorch runs; report medians and the time ratio."""
    torch_side = with_torch and wid not in ("B7",)
    mine, theirs = [], []
    for k in range(repeats):
        sides = ["project", "torch"] if k % 2 == 0 else ["torch", "project"]
        for side in sides:
            if side == "torch" and not torch_side:
                continue
            result = _run_once(wid, side)
            for bad in ("skipped", "error"):
                if bad in result:
                    return {"id": wid, bad: result[bad] if side == "project" else
                            f"torch: {result[bad]}"}
            (mine if side == "project" else theirs).append(result)
    key, higher_better = _metric(wid)
    line = {"id": wid, "metric": key, "runs": repeats, "project": _median(mine, key)}
    if os.environ.get("BENCH_DEVICE", "cpu") != "cpu" and wid in GPU_READY:
        line["device"] = os.environ["BENCH_DEVICE"]
    for extra in ("gflops", "peak_rss_mb", "keras_ms", "target_ms"):
        if extra != key and _median(mine, extra) is not None:
            line[extra] = _median(mine, extra)
    if theirs:
        line["torch"] = _median(theirs, key)
        a, b = line["project"], line["torch"]
        line["ratio"] = (b / a) if higher_better else (a / b)  # project time / PyTorch time
        if _median(theirs, "peak_rss_mb") is not None:
            line["torch_peak_rss_mb"] = _median(theirs, "peak_rss_mb")
            line["rss_ratio"] = line["peak_rss_mb"] / line["torch_peak_rss_mb"]
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in line.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", help=f"ids among {' '.join(ORDER)} (default: all)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per side (median reported)")
    parser.add_argument("--torch", dest="torch", action="store_true", default=None,
                        help="compare with PyTorch (default: when it is installed)")
    parser.add_argument("--no-torch", dest="torch", action="store_false")
    parser.add_argument("--device", default="cpu",
                        help="where B1-B3e run on both sides: 'cpu' (default) or 'cuda'")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--side", default="project", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.side)
    os.environ["BENCH_DEVICE"] = args.device  # the worker processes inherit it
    unknown = [w for w in args.workloads if w not in ORDER]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose among {ORDER}")
    with_torch = args.torch
    if with_torch is None:
        with_torch = importlib.util.find_spec("torch") is not None
    for wid in args.workloads or ORDER:
        if wid == "B2dp":  # its own launcher: mpirun with 1 and 2 ranks, one line each
            subprocess.run([sys.executable, os.path.join(HERE, "b2_distributed.py")], check=False)
            continue
        print(json.dumps(measure(wid, args.repeats, with_torch)), flush=True)


if __name__ == "__main__":
    main()
