"""How ``fit`` uses a ``DataParallel`` strategy: sync weights at the start, train each rank on its
rows of every global batch with gradients averaged over ranks, average the epoch logs, and let only
rank 0 print and write files."""

# callbacks that write files or print: they run on rank 0 only
_CHIEF_ONLY = ("ModelCheckpoint", "CSVLogger", "PlotLosses", "TensorBoard", "RemoteMonitor",
               "ProgbarLogger", "BaseLogger")


def begin_fit(strategy, model, verbose, callbacks):
    """Broadcast rank 0's weights; on other ranks silence the bar and drop file-writing callbacks."""
    strategy.broadcast_variables(model.weights)
    if strategy.is_chief:
        return verbose, callbacks
    kept = [cb for cb in (callbacks or []) if type(cb).__name__ not in _CHIEF_ONLY]
    return 0, kept


def local_rows(strategy, x, ys, sws, global_count):
    """This rank's rows of a global batch: ``(x, ys, sws, local_count)``."""
    x, ys, sws = strategy.shard((x, list(ys), list(sws)), global_count)
    lo, hi = strategy.shard_bounds(global_count)
    return x, ys, sws, hi - lo


def epoch_logs(strategy, logs, local_seen, global_seen):
    """Logs averaged over ranks, each weighted by the samples it saw (identical on every rank)."""
    return strategy.mean_weighted(logs, local_seen, global_seen)
