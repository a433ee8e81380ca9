"""Platform: HTTP, limits, headers, logs, metrics, traces, the console, trusted documents, CLI,
import, migrations, faults, crashes, several processes, database restarts, fuzzing, schema
rules and contract, Docker files, lint and the benchmarks in quick mode."""
