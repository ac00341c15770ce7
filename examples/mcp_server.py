"""A small MCP server for the docs' examples: tools named as MCP servers name them.

Run by an MCP client over stdio (`python examples/mcp_server.py`); needs `pip install mcp`.
"""

from __future__ import annotations

from mcp.server.fastmcp import FastMCP

server = FastMCP("notes")
NOTES: dict[str, str] = {}


@server.tool(name="notes.save", description="Save a note under a title.")
def save(title: str, text: str) -> str:
    NOTES[title] = text
    return f"saved {title!r}"


@server.tool(name="notes/list", description="List the titles of the saved notes.")
def titles() -> str:
    return ", ".join(sorted(NOTES)) or "no notes yet"


if __name__ == "__main__":
    server.run("stdio")
