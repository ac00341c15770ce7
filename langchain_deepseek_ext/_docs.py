"""Class docstrings in LangChain's integration template (kept apart to keep the modules short)."""

__all__ = ["CHAT_DOCSTRING", "FIM_DOCSTRING"]

CHAT_DOCSTRING = '''DeepSeek chat model, a drop-in for `langchain_deepseek.ChatDeepSeek`.

Requests go through `deepseek_ext_core`, which applies DeepSeek's own rules: reasoning is sent
back on tool-call turns in thinking mode, forced tool choice switches thinking off when it was
left at the server default, strict tools go to `/beta`, and streams are accumulated exactly.

Setup:
    Install `deepseek-ext[langchain]` and set `DEEPSEEK_API_KEY`.

    ```bash
    pip install -U "deepseek-ext[langchain]"
    export DEEPSEEK_API_KEY="your-api-key"
    ```

Key init args — completion params:
    model: str
        Model id, e.g. `"deepseek-flash"` (default) or `"deepseek-v4-pro"` (alias `model_name`).
    thinking: "enabled" | "disabled" | bool | None
        Thinking mode; None leaves DeepSeek's default (on for the V4 family).
    reasoning_effort: "low" | "high" | "max" | None
        Thinking effort.
    temperature, top_p, max_tokens, stop, logprobs, top_logprobs, user_id
        As in DeepSeek's API.
    reasoning_passback: "auto" | "always" | "never"
        How earlier reasoning is sent back; "auto" follows DeepSeek's rule.

Key init args — client params:
    api_key: SecretStr | None
        Read from `DEEPSEEK_API_KEY` when not given.
    api_base: str | None
        Alias `base_url`; read from `DEEPSEEK_API_BASE`; default `https://api.deepseek.com`.
    timeout, max_retries, default_headers, http_client, http_async_client
        Transport settings (retries happen once, in the core).

Instantiate:
    ```python
    from langchain_deepseek_ext import ChatDeepSeek

    model = ChatDeepSeek(model="deepseek-flash", thinking="enabled", max_tokens=4096)
    ```

Invoke:
    ```python
    messages = [
        ("system", "Translate the user sentence to French."),
        ("human", "I love programming."),
    ]
    ai_msg = model.invoke(messages)
    ai_msg.content                                   # "J'adore la programmation."
    ai_msg.additional_kwargs["reasoning_content"]    # the chain of thought
    ai_msg.content_blocks[0]                         # {"type": "reasoning", "reasoning": "..."}
    ```

Stream:
    ```python
    for chunk in model.stream(messages):
        print(chunk.additional_kwargs.get("reasoning_content", ""), chunk.text, end="")
    ```

    ```python
    stream = model.stream(messages)
    full = next(stream)
    for chunk in stream:
        full += chunk      # the last chunk carries usage_metadata and response_metadata
    ```

Async:
    ```python
    await model.ainvoke(messages)
    async for chunk in model.astream(messages):
        ...
    await model.abatch([messages])
    ```

Tool calling:
    ```python
    from pydantic import BaseModel, Field

    class GetWeather(BaseModel):
        """Get the current weather in a given location."""

        location: str = Field(..., description="The city, e.g. Paris")

    model_with_tools = model.bind_tools([GetWeather])   # tool_choice="any", strict=True, ...
    ai_msg = model_with_tools.invoke("What is the weather in Paris?")
    ai_msg.tool_calls   # [{"name": "GetWeather", "args": {"location": "Paris"}, "id": ...}]
    ```

    Keep the returned `AIMessage` in the history: its reasoning is sent back on the next
    request, as DeepSeek requires in thinking mode, also after a checkpoint round trip.

Structured output:
    ```python
    class Joke(BaseModel):
        """Joke to tell user."""

        setup: str
        punchline: str

    model.with_structured_output(Joke).invoke("Tell me a joke about cats")
    model.with_structured_output(Joke, method="json_mode").invoke("A cat joke as JSON")
    model.with_structured_output(Joke, method="json_schema").invoke("A cat joke")
    ```

    `json_schema` is emulated (JSON mode + the schema in a system instruction + client-side
    validation): DeepSeek has no json_schema response format.

Prefix completion:
    ```python
    from langchain_core.messages import AIMessage, HumanMessage

    model.invoke(
        [HumanMessage("Write quicksort in Python"),
         AIMessage("```python\\n", additional_kwargs={"prefix": True})],
        stop=["```"],
    )
    ```

Token usage:
    ```python
    ai_msg.usage_metadata
    # {"input_tokens": 28, "output_tokens": 105, "total_tokens": 133,
    #  "input_token_details": {"cache_read": 0},
    #  "output_token_details": {"reasoning": 80}}
    ```

Response metadata:
    ```python
    ai_msg.response_metadata
    # {"model_provider": "deepseek", "model_name": "deepseek-flash", "finish_reason": "stop",
    #  "system_fingerprint": "...", "id": "...", "request_id": "...",
    #  "token_usage": {...DeepSeek's raw usage...}, "estimated_cost": 0.0000714,
    #  "logprobs": None}
    ```
'''

FIM_DOCSTRING = """DeepSeek fill-in-the-middle completion (`/beta/completions`) as a LangChain LLM.

Setup:
    Install `deepseek-ext[langchain]` and set `DEEPSEEK_API_KEY`.

Instantiate:
    ```python
    from langchain_deepseek_ext import DeepSeekFIM

    fim = DeepSeekFIM(model="deepseek-flash", max_tokens=128)
    ```

Invoke:
    ```python
    fim.invoke("def fib(n):\\n    ", suffix="\\n    return a")
    ```

Stream:
    ```python
    for piece in fim.stream("def fib(n):\\n    ", suffix="\\n    return a"):
        print(piece, end="")
    ```

Async:
    ```python
    await fim.ainvoke("def fib(n):\\n    ", suffix="\\n    return a")
    ```

Token usage:
    ```python
    result = fim.generate(["def fib(n):"])
    result.llm_output["token_usage"]
    ```

Response metadata:
    ```python
    result.generations[0][0].generation_info   # {"finish_reason": "stop", "logprobs": None}
    ```
"""
