"""The `info` argument of every resolver, typed with our request context (a checker reads
`info.context` as `Context`)."""

from __future__ import annotations

from typing import TypeAlias

import strawberry

from resolvers.shared.context import Context

Info: TypeAlias = strawberry.Info[Context, None]
