"""factory_boy factories, one module per context; fixtures in tests/conftest.py wrap them."""
