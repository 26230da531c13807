"""The ``saglam`` command line: one module per command group."""
