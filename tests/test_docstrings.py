"""Documentation tools find every public class's docstring where the class is defined.

griffe (which mkdocstrings uses) reads docstrings statically: a class whose `__doc__` is
assigned from another module shows no documentation there. So each public class of the adapters
must carry its docstring as the first statement of its body.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import langchain_deepseek_ext
import llamaindex_deepseek_ext

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "cls",
    [
        langchain_deepseek_ext.ChatDeepSeek,
        langchain_deepseek_ext.DeepSeekFIM,
        llamaindex_deepseek_ext.DeepSeek,
        llamaindex_deepseek_ext.DeepSeekFIM,
    ],
    ids=lambda cls: f"{cls.__module__}.{cls.__name__}",
)
def test_the_class_docstring_is_written_in_the_class(cls: type) -> None:
    source = Path(inspect.getfile(cls))
    tree = ast.parse(source.read_text(encoding="utf-8"))
    (node,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
    written = ast.get_docstring(node)
    assert written, f"{cls.__name__} has no docstring in {source.name}"
    assert written == inspect.cleandoc(cls.__doc__ or "")


def test_the_chat_models_docstrings_follow_langchains_template() -> None:
    text = inspect.getdoc(langchain_deepseek_ext.ChatDeepSeek) or ""
    for section in ("Setup:", "Instantiate:", "Invoke:", "Stream:", "Async:", "Tool calling:",
                    "Structured output:", "Token usage:", "Response metadata:"):  # fmt: skip
        assert section in text
