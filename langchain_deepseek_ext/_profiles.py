"""`ChatDeepSeek.profile`: LangChain's `ModelProfile` from the core's capability table.

Agents and middleware read it (context size for summarization, tool calling, image input...).
Every name in the table has one, legacy names included; an unknown name has none (None), as
langchain-core expects when nothing is known.
"""

from __future__ import annotations

from langchain_core.language_models import ModelProfile

from deepseek_ext_core import KNOWN_MODELS, get_capabilities

__all__ = ["model_profile"]


def model_profile(model: str) -> ModelProfile | None:
    """The profile of `model`, or None for a name the capability table does not know."""
    if model not in KNOWN_MODELS:
        return None
    caps = get_capabilities(model)
    return ModelProfile(
        max_input_tokens=caps.context_window,
        max_output_tokens=caps.max_output_tokens,
        text_inputs=True,
        image_inputs=caps.image_input,
        image_url_inputs=caps.image_input,
        pdf_inputs=False,
        audio_inputs=False,
        video_inputs=False,
        image_tool_message=False,
        pdf_tool_message=False,
        text_outputs=True,
        image_outputs=False,
        audio_outputs=False,
        video_outputs=False,
        # Every model in the table thinks, on request when not by default
        # (docs/deepseek-api.md §2.4).
        reasoning_output=True,
        reasoning_effort_levels=list(caps.effort_levels),
        tool_calling=caps.tools,
        tool_choice=True,
        tool_call_streaming=True,
        # DeepSeek has JSON mode but no json_schema response format (docs/deepseek-api.md §6.1);
        # False makes LangChain's agents ask for structured output through a tool, which works,
        # instead of a response_format DeepSeek refuses.
        structured_output=False,
        temperature=True,
    )
