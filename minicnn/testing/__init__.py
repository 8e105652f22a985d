"""Support for minicnn's own test suite (not part of the engine, which never imports it).

``minicnn.testing.fake_cupy`` is a strict stand-in for CuPy on NumPy memory: the test suite's
``--device=fake-gpu`` runs every test with it in CuPy's place, so that the GPU path is exercised
on a machine without a GPU (docs/gpu.md).
"""
