"""LlamaIndex adapter for DeepSeek, built on `deepseek_ext_core` (issue 4).

`DeepSeek` is a `FunctionCallingLLM` for agents, query engines and RAG; `DeepSeekFIM` does
fill-in-the-middle completion.
"""

from ._convert import PREFIX_KEY
from ._tokens import deepseek_tokenizer
from ._tools import ToolArgumentsError
from .base import DeepSeek
from .fim import DeepSeekFIM

__all__ = ["PREFIX_KEY", "DeepSeek", "DeepSeekFIM", "ToolArgumentsError", "deepseek_tokenizer"]
