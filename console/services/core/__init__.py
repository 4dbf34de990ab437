"""Shared kernel: service context and errors, vocabulary, audit chain, storage faults."""
