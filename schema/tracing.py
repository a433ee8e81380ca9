"""Strawberry's OpenTelemetry extension without what clients send (see bailleurs.tracing), on
root fields only."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Generator
from typing import Any

from strawberry.extensions.tracing import OpenTelemetryExtension
from strawberry.extensions.tracing.opentelemetry import LifecycleStep


class PrivateOpenTelemetryExtension(OpenTelemetryExtension):
    """Strawberry's extension, minus what clients send: no argument values (arg_filter) and the
    document named by its hash instead of its text."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(arg_filter=lambda args, info: {}, **kwargs)

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        # Root fields only, and synchronous for the others: Strawberry's own `async def resolve`
        # turned every field of a 50-row page into a coroutine with a span (2 x the page's CPU,
        # bench/observability.py). The SQL a nested field sets off still appears, under the root
        # field whose loaders ran it.
        if info.path.prev is None:
            return super().resolve(_next, root, info, *args, **kwargs)
        return _next(root, info, *args, **kwargs)

    def on_operation(self) -> Generator[None, None, None]:
        steps = super().on_operation()
        next(steps)
        query = self.execution_context.query or ""
        self._span_holder[LifecycleStep.OPERATION].set_attribute(
            "query", f"sha256:{hashlib.sha256(query.encode()).hexdigest()}"
        )
        yield
        with contextlib.suppress(StopIteration):
            next(steps)
