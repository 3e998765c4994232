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


def local_rows(strategy, x, ys, sws, count):
    """This rank's rows of a batch of ``count`` rows: ``(x, ys, sws, local_count, global_count)``.
    A batch that an image iterator already loaded for this rank only is passed through."""
    global_count = strategy.presharded.pop() if strategy.presharded else None
    if global_count is not None:
        return x, ys, sws, count, global_count
    x, ys, sws = strategy.shard((x, list(ys), list(sws)), count)
    lo, hi = strategy.shard_bounds(count)
    return x, ys, sws, hi - lo, count


def shard_loading(strategy, source):
    """Make an image iterator decode only this rank's rows of each global batch; returns a function
    that undoes it. Other sources are loaded whole and sliced per step."""
    from ..preprocessing.image import Iterator
    if not isinstance(source, Iterator):
        return lambda: None

    def rows(index_array):
        strategy.presharded.append(len(index_array))
        lo, hi = strategy.shard_bounds(len(index_array))
        return index_array[lo:hi]
    source.shard_rows = rows
    return lambda: setattr(source, "shard_rows", None)


def epoch_logs(strategy, logs, local_seen, global_seen):
    """Logs averaged over ranks, each weighted by the samples it saw (identical on every rank)."""
    return strategy.mean_weighted(logs, local_seen, global_seen)
