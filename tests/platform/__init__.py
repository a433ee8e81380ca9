"""Platform: HTTP, limits, headers, logs, CLI, import, migrations, faults, crashes, several
processes, database restarts, fuzzing, schema rules, lint and the benchmarks in quick mode."""
