"""Platform: HTTP, limits, headers, logs, metrics, traces, the console, trusted documents, the
error registry, CLI, import, migrations, faults, crashes, several processes, database restarts,
fuzzing, schema rules and contract, read rules, import layers, types, Docker files, lint and the
benchmarks in quick mode."""
