"""The custom-configuration example from the README, end to end against the scripted OpenAI-compatible server:
an OpenAI-compatible LLM and embedder, a custom prompt, and the embedded store."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem import ConfigError, Memory
from tests.llm_server import LlmServer


def test_custom_configuration_example(tmp_path: Path, llm_server: LlmServer) -> None:
    config = {
        "llm": {"provider": "openai", "config": {"model": "gpt-4.1-mini", "api_key": "sk-test",
                                                 "base_url": llm_server.base_url, "temperature": 0.1}},
        "embedder": {"provider": "openai", "config": {"model": "text-embedding-3-small", "api_key": "sk-test",
                                                      "base_url": llm_server.base_url}},
        "custom_prompt": "Extract only customer pain points, budgets and decision makers.",
        "graph_store": {"provider": "embedded", "config": {"path": str(tmp_path / "crm.db")}},
    }  # fmt: skip
    llm_server.script_chat({
        "facts": [{"text": "Acme's budget for the pilot is 50k", "entities": ["Acme"], "message_index": 0},
                  {"text": "Priya decides on the purchase at Acme", "entities": ["Priya", "Acme"], "message_index": 0}],
        "entities": [{"name": "Acme", "type": "Organization", "aliases": []},
                     {"name": "Priya", "type": "Person", "aliases": []}],
        "relations": [{"source": "Priya", "type": "DECISION_MAKER_AT", "target": "Acme",
                       "fact": "Priya decides on the purchase at Acme"}],
        "speaker": None,
    })  # fmt: skip
    with Memory.from_config(config) as m:
        added = m.add("Acme has 50k for the pilot and Priya signs off.", user_id="acme-account")
        assert added["usage"]["llm_calls"] == 1
        found = m.search("who decides on the purchase at Acme?", user_id="acme-account")
    assert found["results"][0]["memory"] == "Priya decides on the purchase at Acme"
    assert ("Priya", "DECISION_MAKER_AT", "Acme") in {
        (r["source"], r["relationship"], r["destination"]) for r in found["relations"]
    }
    system = llm_server.chat_requests[0].body["messages"][0]["content"]
    assert "customer pain points, budgets and decision makers" in system
    assert llm_server.chat_requests[0].body["model"] == "gpt-4.1-mini"
    assert {r.body["model"] for r in llm_server.embedding_requests} == {"text-embedding-3-small"}
    assert len(llm_server.chat_requests) == 1  # search embedded its query but called no chat model


def test_llm_config_errors_name_the_key() -> None:
    with pytest.raises(ConfigError) as info:
        Memory.from_config({"llm": {"provider": "openai", "config": {"modle": "gpt-4.1-mini"}}})
    assert info.value.field == "llm.config.modle"
    with pytest.raises(ConfigError) as info:
        Memory.from_config({"llm": {"provider": "telepathy"}})
    assert info.value.field == "llm.provider"
