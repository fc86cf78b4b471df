"""Benchmarks: inference latency / FLOPs of deployable models and the cost of a distillation
step against its student, on real or synthetic batches."""
