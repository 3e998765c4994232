"""The host memory policy: freed array memory stays in the process for reuse (glibc only)."""
import os
import subprocess
import sys
import textwrap

import pytest

import autograd_core as ag

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GLIBC = ag.memory._glibc() is not None

PROBE = textwrap.dedent("""
    import os, numpy as np
    import autograd_core as ag
    def rss_mb():
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
    base = rss_mb()
    a = np.ones(64 * 2**20 // 8)  # 64 MB, written
    del a
    kept = rss_mb() - base
    ag.memory.release_free_memory()
    print(ag.memory.keeps_freed_memory(), round(kept), round(rss_mb() - base))
""")


def _probe(**env):
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=ROOT, **env), check=True).stdout.split()
    return out[0] == "True", float(out[1]), float(out[2])


@pytest.mark.skipif(not GLIBC, reason="the policy applies to glibc only")
def test_freed_memory_is_kept_until_released():
    on, kept, after_release = _probe()
    assert on
    assert kept > 48  # the 64 MB block stayed in the process for the next allocation
    assert after_release < 16  # release_free_memory handed it back


@pytest.mark.skipif(not GLIBC, reason="the policy applies to glibc only")
def test_environment_variable_keeps_the_c_library_defaults():
    on, kept, _ = _probe(AUTOGRAD_CORE_KEEP_FREED_MEMORY="0")
    assert not on
    assert kept < 16  # glibc's default: a large block goes back to the system when freed


def test_policy_reports_its_state():
    assert ag.memory.keeps_freed_memory() in (True, False)
    assert ag.memory.keeps_freed_memory() == (GLIBC and os.environ.get(
        "AUTOGRAD_CORE_KEEP_FREED_MEMORY", "1") not in ("0", "false", "no"))
