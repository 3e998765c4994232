"""Where a workload's time goes, per primitive: forward calls and backward rules alike.

    python benchmarks/profile_ops.py B2                  # the facade CNN step on the CPU
    python benchmarks/profile_ops.py B2 --device cuda    # on a GPU: every op waits for the device

Runs a few warm-up steps, then times every primitive call of ``--steps`` steps (with
``--device cuda`` each call synchronizes, so its time includes its kernels). Prints one JSON line
per primitive, slowest first: total ms per step, calls per step and the share of the step.
Timing every op adds its own overhead: read the shares, not the absolute step time.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def _timed_primitives(sync):
    """Patch ``Primitive.__call__`` to accumulate (seconds, calls) per primitive name."""
    from autograd_core.autodiff import graph
    totals = {}
    call = graph.Primitive.__call__

    def timed(self, *args, **params):
        sync()
        start = time.perf_counter()
        out = call(self, *args, **params)
        sync()
        spent = time.perf_counter() - start
        seconds, calls = totals.get(self.name, (0.0, 0))
        totals[self.name] = (seconds + spent, calls + 1)
        return out
    graph.Primitive.__call__ = timed
    return totals, lambda: setattr(graph.Primitive, "__call__", call)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=["B1", "B1e", "B2", "B2e", "B3", "B3e"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    os.environ["BENCH_DEVICE"] = args.device
    from benchmarks import common, project_side
    steps = []
    common.median_ms = lambda step, warmup, timed, sync=None: steps.append((step, sync)) or 1.0
    project_side.WORKLOADS[args.workload]()  # builds the model and hands over its step
    step, sync = steps[0]
    sync = sync or (lambda: None)
    for _ in range(3):
        step()
    sync()
    totals, restore = _timed_primitives(sync)
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync()
    wall = (time.perf_counter() - start) / args.steps
    restore()
    ranked = sorted(totals.items(), key=lambda kv: -kv[1][0])
    print(json.dumps({"workload": args.workload, "device": args.device,
                      "ms_per_step_while_timed": round(wall * 1000, 3),
                      "ms_in_primitives": round(sum(s for s, _ in totals.values()) / args.steps * 1000, 3)}))
    for name, (seconds, calls) in ranked[:args.top]:
        print(json.dumps({"primitive": name, "ms_per_step": round(seconds / args.steps * 1000, 3),
                          "calls_per_step": calls / args.steps,
                          "share": round(seconds / args.steps / wall, 3)}))


if __name__ == "__main__":
    main()
