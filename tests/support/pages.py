"""A whole GraphQL connection read page by page through its cursors."""

from __future__ import annotations


async def every_node(api, document: str, field: str, token: str | None, *, first: int,
                     filter_: dict | None = None) -> list[dict]:
    """The nodes of every page, in order; the last page's totalCount counts them all."""
    nodes, after = [], None
    while True:
        data = await api.ok(document, {"first": first, "after": after, "filter": filter_}, token)
        page = data[field]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert len(nodes) == page["totalCount"]
            return nodes
        after = page["pageInfo"]["endCursor"]
