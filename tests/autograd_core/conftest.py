"""Fixtures for the autograd_core tests: ``device`` runs a test on 'cpu' and, when a GPU is usable,
on 'cuda' too (module-scoped, so hypothesis tests can use it)."""
import pytest

import autograd_core as ag

DEVICES = ["cpu"] + (["cuda"] if ag.cuda.is_available() else [])


@pytest.fixture(params=DEVICES, scope="module")
def device(request):
    return request.param
