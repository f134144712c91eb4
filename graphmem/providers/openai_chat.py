"""``ChatModel`` over the official ``openai`` SDK: OpenAI, Azure OpenAI, and OpenAI-compatible servers (Ollama,
vLLM, LM Studio, llama.cpp) reached through ``base_url``.

Structured output is requested with ``response_format=json_schema``; a server that rejects it is asked for
``json_object`` with the schema in the system prompt instead, and the instance remembers that for later calls. The
reply is validated with pydantic, with one repair call on failure. The helpers that parse replies and build the
repair turn are shared with the LangChain adapter, so both behave the same.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
from collections.abc import Callable
from typing import Any, Literal

import openai
from pydantic import ValidationError as PydanticValidationError

from graphmem.errors import ConfigError
from graphmem.providers.llm import LlmBadOutput, LlmError, LlmRefused, M, Usage
from graphmem.providers.retry import RetryPolicy, call_with_retries

__all__ = ["BadReply", "JsonMode", "OpenAIChat", "make_openai_client", "parse_reply", "repair_turn", "strict_schema"]

log = logging.getLogger(__name__)

JsonMode = Literal["auto", "json_schema", "json_object"]

# A local server needs no key, but the SDK refuses to start without one.
_NO_KEY = "not-needed"
# Validation errors quoted back to the model are cut here: enough to fix the reply, not a second prompt.
_MAX_ERROR_CHARS = 2000
_SCHEMA_WORDS = re.compile(r"response_format|json_schema|json schema|structured output", re.IGNORECASE)
_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


def make_openai_client(
    *,
    api_key: str | None,
    base_url: str | None,
    timeout: float,
    azure: bool,
    azure_endpoint: str | None = None,
    api_version: str | None = None,
    azure_deployment: str | None = None,
    key_field: str = "llm.config.api_key",
) -> openai.OpenAI:
    """Build the SDK client with its own retries off (``max_retries=0``): ours are the only ones.

    Keys come from the argument, else ``OPENAI_API_KEY`` (``AZURE_OPENAI_API_KEY`` for Azure), read here and not at
    import. A ``base_url`` without a key gets a placeholder, since local servers ignore keys.
    """
    prefix = key_field.rsplit(".", 1)[0]
    if azure:
        key = api_key or os.environ.get("AZURE_OPENAI_API_KEY") or None
        endpoint = azure_endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT") or None
        version = api_version or os.environ.get("OPENAI_API_VERSION") or None
        if version is None:
            raise ConfigError(f"{prefix}.api_version", "Azure OpenAI needs api_version or OPENAI_API_VERSION")
        if key is None:
            raise ConfigError(key_field, "no API key: set api_key or AZURE_OPENAI_API_KEY")
        if base_url is not None:  # a full deployment URL; the SDK accepts it instead of endpoint + deployment
            return openai.AzureOpenAI(
                api_key=key, api_version=version, base_url=base_url, timeout=timeout, max_retries=0
            )
        if endpoint is None:
            raise ConfigError(f"{prefix}.azure_endpoint", "Azure OpenAI needs azure_endpoint or AZURE_OPENAI_ENDPOINT")
        return openai.AzureOpenAI(
            api_key=key,
            api_version=version,
            azure_endpoint=endpoint,
            azure_deployment=azure_deployment,
            timeout=timeout,
            max_retries=0,
        )
    key = api_key or os.environ.get("OPENAI_API_KEY") or None
    if key is None:
        if base_url is None:
            raise ConfigError(key_field, "no API key: set api_key or OPENAI_API_KEY (or base_url for a local server)")
        key = _NO_KEY
    return openai.OpenAI(api_key=key, base_url=base_url, timeout=timeout, max_retries=0)


class _NotStrict(Exception):
    """The schema uses something strict mode cannot express (free-form maps, a non-object root)."""


def strict_schema(schema: dict[str, Any]) -> dict[str, Any] | None:
    """Rewrite a pydantic JSON Schema for OpenAI strict mode, or None when it cannot be made strict.

    Strict mode wants every property required (optional ones stay nullable), ``additionalProperties: false`` on
    every object, no ``default``, no ``oneOf`` and no keywords beside ``$ref``. A model with ``dict[str, Any]``
    fields cannot comply; it is then sent with ``strict: false``, and pydantic still validates the reply.
    """
    root = copy.deepcopy(schema)
    defs = root.get("$defs", {})

    def visit(node: Any) -> Any:
        if isinstance(node, list):
            return [visit(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node and len(node) > 1:  # inline the definition so the siblings can stay
            name = str(node["$ref"]).rsplit("/", 1)[-1]
            if name not in defs:
                raise _NotStrict(f"unresolvable $ref {node['$ref']}")
            node = {**copy.deepcopy(defs[name]), **{k: v for k, v in node.items() if k != "$ref"}}
        node = {k: v for k, v in node.items() if k not in ("default", "discriminator")}
        if "oneOf" in node:
            node["anyOf"] = node.pop("oneOf")
        if len(node.get("allOf", [])) == 1:
            node = {**node.pop("allOf")[0], **node}
        if node.get("type") == "object" or "properties" in node:
            extra = node.get("additionalProperties")
            if extra not in (None, False) or not node.get("properties"):
                raise _NotStrict("free-form object")
            node["additionalProperties"] = False
            node["required"] = list(node["properties"])
        for key in ("properties", "$defs"):
            if key in node:
                node[key] = {name: visit(sub) for name, sub in node[key].items()}
        for key in ("items", "anyOf", "allOf", "prefixItems"):
            if key in node:
                node[key] = visit(node[key])
        return node

    try:
        result = visit(root)
    except _NotStrict:
        return None
    return result if isinstance(result, dict) and result.get("type") == "object" else None


class BadReply(Exception):
    """A reply that is not valid JSON for the schema; carries the text and the error to show in the repair turn."""

    def __init__(self, text: str, error: str) -> None:
        super().__init__(error)
        self.text = text
        self.error = error


def _loads(text: str) -> Any:
    """JSON from a reply, tolerating what models add even in JSON mode: code fences and prose around one object."""
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        start, end = body.find("{"), body.rfind("}")
        if 0 <= start < end:
            return json.loads(body[start : end + 1])  # still bad: the caller reports this error
        raise


def _validation_summary(exc: PydanticValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def parse_reply(text: str | None, output: type[M]) -> M:
    """Validate a reply against ``output``; ``BadReply`` says what is wrong in words a model can act on."""
    if text is None or not text.strip():
        raise BadReply(text or "", "the reply was empty")
    try:
        data = _loads(text)
    except json.JSONDecodeError as exc:
        raise BadReply(text, f"the reply is not valid JSON ({exc})") from None
    try:
        return output.model_validate(data)
    except PydanticValidationError as exc:
        raise BadReply(text, f"the JSON does not match the schema: {_validation_summary(exc)}") from None


def repair_turn(bad: BadReply, schema_name: str) -> list[dict[str, Any]]:
    """The two messages of the one repair call: the bad reply as the assistant's, then the error to fix."""
    error = bad.error if len(bad.error) <= _MAX_ERROR_CHARS else bad.error[:_MAX_ERROR_CHARS] + " ..."
    return [
        {"role": "assistant", "content": bad.text},
        {
            "role": "user",
            "content": f"Your reply could not be used as `{schema_name}`: {error}\n"
            "Reply again with the corrected JSON object only: no explanation, no code fences.",
        },
    ]


def schema_instruction(schema: dict[str, Any], schema_name: str) -> str:
    """The system-prompt text that stands in for json_schema where a server only offers JSON mode."""
    return (
        f"Reply with one JSON object named `{schema_name}` and nothing else. "
        f"It must conform to this JSON Schema:\n{json.dumps(schema, separators=(',', ':'))}"
    )


def with_schema_prompt(messages: list[dict[str, Any]], instruction: str) -> list[dict[str, Any]]:
    """Append the schema instruction to a leading text system message, or put one in front."""
    if messages and messages[0].get("role") == "system" and isinstance(messages[0].get("content"), str):
        first = {**messages[0], "content": f"{messages[0]['content']}\n\n{instruction}"}
        return [first, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]


def has_images(messages: list[dict[str, Any]]) -> bool:
    return any(
        isinstance(m.get("content"), list)
        and any(isinstance(p, dict) and p.get("type") in ("image_url", "image") for p in m["content"])
        for m in messages
    )


def _schema_id(name: str) -> str:
    """OpenAI accepts ``[a-zA-Z0-9_-]{1,64}`` as a schema name; anything else would be a 400, not a fallback."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", name)[:64] or "output"


def _mentions_schema(exc: openai.APIStatusError) -> bool:
    body = json.dumps(exc.body) if exc.body is not None else ""
    return bool(_SCHEMA_WORDS.search(f"{exc.message} {body}"))


class _Completion:
    """What one request gave back: the text, or a refusal, and why it stopped."""

    def __init__(self, text: str | None, refusal: str | None, finish_reason: str | None) -> None:
        self.text = text
        self.refusal = refusal
        self.finish_reason = finish_reason


class _SchemaRejected(Exception):
    """The server said no to response_format=json_schema; switch this instance to json_object."""


class OpenAIChat:
    """A ``ChatModel`` on the OpenAI chat completions API (or Azure's, with ``azure=True``/``azure_endpoint``)."""

    def __init__(
        self,
        model: str = "gpt-4.1-mini",
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        temperature: float | None = 0.0,
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
        vision: bool = False,
        json_mode: JsonMode = "auto",
        azure: bool = False,
        azure_endpoint: str | None = None,
        api_version: str | None = None,
        azure_deployment: str | None = None,
        client: openai.OpenAI | None = None,
    ) -> None:
        """``temperature=None`` omits it (some reasoning models reject any value). ``client`` replaces the built
        one (it should have ``max_retries=0``)."""
        azure = azure or azure_endpoint is not None
        self.model = model
        self.vision = vision
        self.temperature = temperature
        self.json_mode: JsonMode = json_mode
        self.policy = RetryPolicy(max_retries, backoff, max_backoff, max_retry_after)
        self._client = client or make_openai_client(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            azure=azure,
            azure_endpoint=azure_endpoint,
            api_version=api_version,
            azure_deployment=azure_deployment or model,
        )
        deployment = azure_deployment or model
        self.name = f"azure_openai:{deployment}" if azure else f"openai:{model}"
        self._target = f"LLM at {self._client.base_url} (model {deployment if azure else model})"
        # "auto" starts with json_schema and drops to json_object for good once the server rejects it.
        self._mode: Literal["json_schema", "json_object"] = (
            "json_object" if json_mode == "json_object" else "json_schema"
        )

    @property
    def mode(self) -> Literal["json_schema", "json_object"]:
        """The response_format the next call will use."""
        return self._mode

    def structured(
        self, messages: list[dict[str, Any]], output: type[M], schema_name: str, repair: bool = True
    ) -> tuple[M, Usage]:
        """One logical call: at most two completions (the reply and one repair), any number of bounded retries."""
        usage = Usage()
        if has_images(messages) and not self.vision:
            raise LlmError(f"{self.name} is not configured for images (vision=False) but the messages contain some")
        schema = output.model_json_schema()
        try:
            convo = list(messages)
            first = self._complete(convo, schema, schema_name, usage)
            try:
                return self._accept(first, output), usage
            except BadReply as bad:
                if not repair:
                    raise LlmBadOutput(f"{self.name} gave no valid `{schema_name}`: {bad.error}") from None
                log.info("%s: repairing a bad %s reply: %s", self.name, schema_name, bad.error)
                convo += repair_turn(bad, schema_name)
            second = self._complete(convo, schema, schema_name, usage)
            try:
                return self._accept(second, output), usage
            except BadReply as bad:
                raise LlmBadOutput(
                    f"{self.name} gave no valid `{schema_name}` even after one repair: {bad.error}"
                ) from None
        except LlmError as exc:
            exc.usage = usage
            raise

    def _accept(self, completion: _Completion, output: type[M]) -> M:
        if completion.refusal:
            raise LlmRefused(f"{self.name} refused: {completion.refusal}")
        if completion.finish_reason == "content_filter":
            raise LlmRefused(f"{self.name}: the provider's content filter withheld the reply")
        try:
            return parse_reply(completion.text, output)
        except BadReply as bad:
            if completion.finish_reason == "length":
                bad.error += " (the reply was cut off at the token limit)"
            raise

    def _complete(
        self, messages: list[dict[str, Any]], schema: dict[str, Any], schema_name: str, usage: Usage
    ) -> _Completion:
        if self._mode == "json_schema":
            strict = strict_schema(schema)
            spec = {"name": _schema_id(schema_name), "schema": strict or schema, "strict": strict is not None}
            response_format = {"type": "json_schema", "json_schema": spec}
            try:
                return self._request(messages, response_format, usage, fallback_ok=self.json_mode == "auto")
            except _SchemaRejected:
                log.warning("%s rejected response_format=json_schema; using json_object from now on", self._target)
                self._mode = "json_object"
        prompted = with_schema_prompt(messages, schema_instruction(schema, schema_name))
        return self._request(prompted, {"type": "json_object"}, usage, fallback_ok=False)

    def _request(
        self, messages: list[dict[str, Any]], response_format: dict[str, Any], usage: Usage, *, fallback_ok: bool
    ) -> _Completion:
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "response_format": response_format}
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        create: Callable[..., Any] = self._client.chat.completions.create

        def attempt() -> Any:
            try:
                return create(**kwargs)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                if fallback_ok and _mentions_schema(exc):
                    raise _SchemaRejected from exc
                if isinstance(exc.body, dict) and exc.code == "content_filter":  # Azure filters the prompt
                    raise LlmRefused(f"{self.name}: the provider's content filter refused the prompt") from exc
                raise

        completion = call_with_retries(attempt, self.policy, self._target, wrap=(openai.OpenAIError,))
        usage.calls += 1
        if completion.usage is not None:
            usage.prompt_tokens += completion.usage.prompt_tokens or 0
            usage.completion_tokens += completion.usage.completion_tokens or 0
        if not completion.choices:
            return _Completion(None, None, None)
        choice = completion.choices[0]
        message = choice.message
        return _Completion(message.content, getattr(message, "refusal", None), choice.finish_reason)
