"""A real MCP server for the tests (the `mcp` SDK's FastMCP, over stdio), with the tool names
MCP servers use (dotted, slashed, longer than DeepSeek's 64) and a nested input schema that
uses `$defs`. Started by the tests as a subprocess; it writes each call to the file named by
`MCP_CALL_LOG`, so a test sees that the tool really ran."""

from __future__ import annotations

import json
import os

from mcp.server.fastmcp import FastMCP
from pydantic import BaseModel

LONG_NAME = "mcp__project_tracker__create_a_task_with_labels_assignees_and_a_due_date_v2"

server = FastMCP("tracker")


class Assignee(BaseModel):
    name: str
    email: str


class Task(BaseModel):
    title: str
    assignee: Assignee
    labels: list[str] = []


def _logged(tool: str, arguments: dict[str, object]) -> None:
    path = os.environ.get("MCP_CALL_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"tool": tool, "arguments": arguments}) + "\n")


@server.tool(name="asana.create_task", description="Create a task in Asana.")
def create_task(task: Task) -> str:
    _logged("asana.create_task", task.model_dump())
    return f"created task {task.title!r} for {task.assignee.name} (id T-42)"


@server.tool(name="github/create_issue", description="Open a GitHub issue.")
def create_issue(repo: str, title: str) -> str:
    _logged("github/create_issue", {"repo": repo, "title": title})
    return f"opened {repo}#7: {title}"


@server.tool(name=LONG_NAME, description="Create a task with every detail.")
def long_named(title: str, due: str) -> str:
    _logged(LONG_NAME, {"title": title, "due": due})
    return f"tracked {title} due {due}"


if __name__ == "__main__":
    server.run("stdio")
