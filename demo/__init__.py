"""The `make demo` job: sample data, simulated labelers over HTTP, and the runner that ties them together."""
