"""The ``graphmem`` command: each subcommand is a thin call of one ``Memory`` method with the same options.

``--json`` prints exactly what the method returns; without it the output is meant for a person.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from graphmem.errors import GraphmemError, NotFoundError
from graphmem.home import default_home, default_store

if TYPE_CHECKING:  # imported when a command opens a memory: `graphmem --help` loads neither pydantic nor numpy
    from graphmem.memory import Memory

F = TypeVar("F", bound=Callable[..., Any])

DEMO_CONVERSATIONS = [
    "Hi, I'm Alex. I love basketball and gaming.",
    "Alice met Bob at GraphConf 2025 in San Francisco.",
]
DEMO_QUERIES = ["What do you know about me?", "Who did Alice meet at GraphConf?", "Where was GraphConf?"]


def _open(store: str | None, config: str | None, *, must_exist: bool = False) -> Memory:
    """The memory a command works on. ``must_exist`` for commands that only read or change what is there: a
    missing embedded store is then an error naming its path (the store refuses to create it), never a new file."""
    from graphmem.config import EmbeddedGraphStore, MemoryConfig
    from graphmem.memory import Memory

    cfg = MemoryConfig.from_file(config) if config else MemoryConfig()
    if store:
        if not isinstance(cfg.graph_store, EmbeddedGraphStore):
            raise click.UsageError("--store names an embedded store file; the config chooses another store")
        cfg.graph_store.config.path = store
    if must_exist and isinstance(cfg.graph_store, EmbeddedGraphStore):
        cfg.graph_store.config.create = False
    return Memory(cfg)


class StoreOption(click.Option):
    """``--store``, whose help shows the default file as it is when help is shown ($GRAPHMEM_HOME included)."""

    def __init__(self, *args: Any, default_file: Callable[[], Path], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_file = default_file

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = f"SQLite file of the embedded store (default: {self.default_file()}; $GRAPHMEM_HOME moves it)."
        return super().get_help_record(ctx)


def store_options(fn: F) -> F:
    """--store/--config: which store a command opens (every command that opens a memory has them)."""
    options = [
        click.option("--store", cls=StoreOption, default_file=default_store, type=click.Path(dir_okay=False)),
        click.option("--config", type=click.Path(exists=True, dir_okay=False), help="YAML config file."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def memory_options(fn: F) -> F:
    """--store/--config/--user/--agent/--run/--json, shared by every command that opens a memory in a scope."""
    options = [
        click.option("--user", "user_id", help="user_id scope."),
        click.option("--agent", "agent_id", help="agent_id scope."),
        click.option("--run", "run_id", help="run_id scope."),
        click.option("--json", "as_json", is_flag=True, help="Print the method's return value as JSON."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return store_options(fn)


def scope_of(kwargs: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    """The --user/--agent/--run values given. ``required`` for commands whose method needs a scope: the error
    then names the flags (the library's names user_id, agent_id and run_id mean nothing on a command line)."""
    scope = {k: kwargs[k] for k in ("user_id", "agent_id", "run_id") if kwargs.get(k)}
    if required and not scope:
        raise click.UsageError("give a scope: at least one of --user, --agent or --run")
    return scope


def _emit(value: Any, as_json: bool, human: Callable[[Any], None]) -> None:
    if as_json:
        click.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))
    else:
        human(value)


def handle_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except GraphmemError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


# -- human-readable printing ------------------------------------------------------------------------------------------
def print_add(result: dict[str, Any]) -> None:
    if result.get("error"):
        click.echo(f"  ! {result['error']} (episode {result['episode_id']} kept)")
    for item in result["results"]:
        click.echo(f"  {item['event']:<6} {item['memory']}")
    added = result["relations"]["added"]
    if added:
        click.echo(
            "  relations: " + ", ".join(f"{r['source']} -{r['relationship']}-> {r['destination']}" for r in added)
        )


def print_search(result: dict[str, Any]) -> None:
    if not result["results"]:
        click.echo("  (no memories found)")
    if result.get("rerank", {}).get("error"):
        click.echo(f"  ! {result['rerank']['error']}")
    for i, item in enumerate(result["results"], start=1):
        lanes = "+".join(item["lanes"])
        reranked = f"  rerank {item['rerank_score']:.3f}" if item.get("rerank_score") is not None else ""
        click.echo(f"  {i:>2}. {item['score']:.3f}  {item['memory']}   [{lanes}]{reranked}")
    if result["relations"]:
        click.echo("  relations:")
        for r in result["relations"]:
            hops = f"{r['hops']} hop{'s' if r['hops'] != 1 else ''}" if r["hops"] else "fact match"
            click.echo(f"    {r['source']} -{r['relationship']}-> {r['destination']}   ({r['score']:.3f}, {hops})")


def print_memories(result: dict[str, Any]) -> None:
    for item in result["results"]:
        click.echo(f"{item['id']}  {item['created_at'][:19]}  {item['memory']}")
    click.echo(f"({len(result['results'])} memories)")


def print_paths(paths: list[dict[str, Any]]) -> None:
    if not paths:
        click.echo("no path found")
    for i, path in enumerate(paths, start=1):
        click.echo(f"path {i} ({path['length']} hop{'s' if path['length'] != 1 else ''}):")
        for hop in path["hops"]:
            click.echo(f"  {hop['source']} -{hop['relationship']}-> {hop['destination']}: {hop['fact']}")
            for episode in hop["episodes"]:
                click.echo(
                    f"      from episode {episode['id']} at {episode['created_at'][:19]}: {episode['excerpt']!r}"
                )


# -- commands ---------------------------------------------------------------------------------------------------------
@click.group()
@click.version_option(package_name="graphmem")
def main() -> None:
    """graphmem: graph-first memory for AI agents (embedded store, offline by default)."""


@main.command()
@click.option(
    "--store", cls=StoreOption, default_file=lambda: default_home() / "demo.db", type=click.Path(dir_okay=False)
)
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def demo(store: str | None, as_json: bool) -> None:
    """Add two conversations, run three searches and print what was found. Offline, no API key."""
    path = Path(store) if store else default_home() / "demo.db"
    with _open(str(path), None) as memory:
        memory.delete_all(user_id="alex")
        report: dict[str, Any] = {"store": str(path), "adds": [], "searches": []}
        if not as_json:
            click.echo(f"graphmem demo: embedded store {path}, local MiniLM embedder, offline rule extractor\n")
        for text in DEMO_CONVERSATIONS:
            result = memory.add(text, user_id="alex")
            report["adds"].append({"input": text, **result})
            if not as_json:
                click.echo(f'+ add (user alex): "{text}"')
                print_add(result)
        for query in DEMO_QUERIES:
            result = memory.search(query, user_id="alex", limit=5)
            report["searches"].append({"query": query, **result})
            if not as_json:
                click.echo(f'\n? search (user alex): "{query}"')
                print_search(result)
        if as_json:
            _emit(report, True, print)
        else:
            click.echo(f'\nTry: graphmem paths --store {path} --user alex Bob "San Francisco"')


@main.command()
@click.argument("text")
@memory_options
@click.option("--metadata", help="JSON object stored with each memory.")
@click.option("--no-infer", is_flag=True, help="Store the text as one memory, without extraction.")
@handle_errors
def add(
    text: str, store: str | None, config: str | None, as_json: bool, metadata: str | None, no_infer: bool, **scope: Any
) -> None:
    """Add a message (TEXT) to memory."""
    meta, where = _json_option("--metadata", metadata), scope_of(scope, required=True)
    with _open(store, config) as memory:
        _emit(memory.add(text, **where, metadata=meta, infer=not no_infer), as_json, print_add)


@main.command()
@click.argument("query")
@memory_options
@click.option("--limit", default=10, show_default=True)
@click.option("--filters", help='JSON filter, e.g. \'{"category": "food"}\'.')
@click.option("--threshold", type=float, help="Minimum cosine similarity.")
@click.option("--as-of", help="ISO time: what was believed true then.")
@click.option("--rerank", is_flag=True, help="Reorder with the reranker the --config file sets up.")
@click.option(
    "--recipe",
    metavar="NAME",
    help="Search recipe: default, keyword (BM25 only), semantic (vector only), graph (the walk leads); "
    "default: the config's search.recipe.",
)
@handle_errors
def search(
    query: str,
    store: str | None,
    config: str | None,
    as_json: bool,
    limit: int,
    filters: str | None,
    threshold: float | None,
    as_of: str | None,
    rerank: bool,
    recipe: str | None,
    **scope: Any,
) -> None:
    """Search memories and relations."""
    where, parsed = scope_of(scope, required=True), _json_option("--filters", filters)
    with _open(store, config, must_exist=True) as memory:
        result = memory.search(
            query,
            **where,
            limit=limit,
            filters=parsed,
            threshold=threshold,
            rerank=rerank,
            as_of=as_of,
            recipe=recipe,
        )
        _emit(result, as_json, print_search)


@main.command()
@click.argument("query")
@memory_options
@click.option("--max-tokens", default=1000, show_default=True, type=click.IntRange(min=1), help="The block's budget.")
@click.option("--limit", default=10, show_default=True, help="How many memories to search for.")
@click.option("--filters", help="JSON filter.")
@click.option("--as-of", help="ISO time: what was believed true then.")
@handle_errors
def context(
    query: str,
    store: str | None,
    config: str | None,
    as_json: bool,
    max_tokens: int,
    limit: int,
    filters: str | None,
    as_of: str | None,
    **scope: Any,
) -> None:
    """Print a prompt-ready block of the best memories and relations for QUERY, within --max-tokens (tokens
    estimated at four characters each); --json adds the memories and relations it used."""
    where, parsed = scope_of(scope, required=True), _json_option("--filters", filters)
    with _open(store, config, must_exist=True) as memory:
        block = memory.context(query, **where, max_tokens=max_tokens, limit=limit, filters=parsed, as_of=as_of)
    _emit(block, as_json, lambda b: click.echo(b["context"] or "(no memories found)"))


@main.command(name="list")
@memory_options
@click.option("--limit", default=100, show_default=True)
@click.option("--filters", help="JSON filter.")
@handle_errors
def list_(store: str | None, config: str | None, as_json: bool, limit: int, filters: str | None, **scope: Any) -> None:
    """List memories in scope (get_all)."""
    where, parsed = scope_of(scope, required=True), _json_option("--filters", filters)
    with _open(store, config, must_exist=True) as memory:
        result = memory.get_all(**where, limit=limit, filters=parsed)
        _emit(result, as_json, print_memories)


@main.command()
@click.argument("memory_id")
@memory_options
@handle_errors
def get(memory_id: str, store: str | None, config: str | None, as_json: bool, **scope: Any) -> None:
    """Show one memory (with --user/--agent/--run: only if it is in that scope)."""
    with _open(store, config, must_exist=True) as memory:
        found = memory.get(memory_id, **scope_of(scope))
        if found is None:
            raise click.ClickException(f"memory {memory_id!r} not found")
        _emit(found, as_json, lambda m: click.echo(json.dumps(m, indent=2, ensure_ascii=False)))


@main.command()
@click.argument("memory_id")
@memory_options
@handle_errors
def history(memory_id: str, store: str | None, config: str | None, as_json: bool, **scope: Any) -> None:
    """Show the ADD/UPDATE/DELETE events of a memory (with --user/--agent/--run: only if it was in that scope)."""
    with _open(store, config, must_exist=True) as memory:
        events = memory.history(memory_id, **scope_of(scope))
        if not events:  # every memory ever added has its ADD event, deleted ones included
            raise NotFoundError("memory", memory_id)

        def human(items: list[dict[str, Any]]) -> None:
            for e in items:
                change = e["new_memory"] if e["event"] == "ADD" else f"{e['old_memory']!r} -> {e['new_memory']!r}"
                click.echo(f"{e['created_at'][:19]}  {e['event']:<6} {change}")

        _emit(events, as_json, human)


@main.command()
@click.argument("memory_id", required=False)
@memory_options
@click.option("--all", "delete_all", is_flag=True, help="Delete everything in the given scope.")
@handle_errors
def delete(
    memory_id: str | None, store: str | None, config: str | None, as_json: bool, delete_all: bool, **scope: Any
) -> None:
    """Delete one memory (with --user/--agent/--run: only if it is in that scope), or with --all everything in a
    scope."""
    where = scope_of(scope, required=delete_all)
    with _open(store, config, must_exist=True) as memory:
        if delete_all:
            result = memory.delete_all(**where)
        elif memory_id:
            result = memory.delete(memory_id, **where)
        else:
            raise click.UsageError("give a MEMORY_ID, or --all with --user/--agent/--run")
        _emit(result, as_json, lambda r: click.echo(r["message"]))


@main.command()
@memory_options
@handle_errors
def retry(store: str | None, config: str | None, as_json: bool, **scope: Any) -> None:
    """Re-process episodes whose extraction failed (all scopes unless --user/--agent/--run)."""
    with _open(store, config, must_exist=True) as memory:
        result = memory.retry_failed(**scope_of(scope))
        _emit(
            result,
            as_json,
            lambda r: click.echo(f"retried {r['retried']}: {r['succeeded']} done, {r['failed']} failed"),
        )


@main.command()
@click.argument("source")
@click.argument("target")
@memory_options
@click.option("--max-hops", default=3, show_default=True)
@click.option("--limit", default=10, show_default=True)
@handle_errors
def paths(
    source: str,
    target: str,
    store: str | None,
    config: str | None,
    as_json: bool,
    max_hops: int,
    limit: int,
    **scope: Any,
) -> None:
    """Evidence paths between two entities, each hop with the episode it came from."""
    where = scope_of(scope, required=True)
    with _open(store, config, must_exist=True) as memory:
        _emit(memory.paths(source, target, **where, max_hops=max_hops, limit=limit), as_json, print_paths)


@main.command()
@memory_options
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="PNG file to write.")
@click.option("--entity", help="Draw only this entity's neighbourhood (name or alias).")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(min=1), help="Hops around --entity.")
@handle_errors
def draw(
    store: str | None,
    config: str | None,
    as_json: bool,
    output: str,
    entity: str | None,
    depth: int,
    **scope: Any,
) -> None:
    """Draw the scope's entity graph (or one entity's neighbourhood) as a PNG picture: graphmem.viz.draw.

    Needs the viz extra (matplotlib). --json prints the file and what was drawn.
    """
    from graphmem.viz import draw as draw_graph

    where = scope_of(scope, required=True)
    if depth != 1 and entity is None:
        raise click.UsageError("--depth counts hops around --entity: give --entity NAME")
    with _open(store, config, must_exist=True) as memory:
        try:
            drawing = draw_graph(memory, **where, entity=entity, depth=depth)
        except ImportError as exc:
            if exc.name != "matplotlib":
                raise
            raise click.ClickException(str(exc)) from None
    drawing.save(output)
    graph = drawing.graph
    summary = {"output": output, "entities": sorted(graph.nodes), "relations": graph.number_of_edges()}
    _emit(
        summary,
        as_json,
        lambda s: click.echo(f"drew {len(s['entities'])} entities and {s['relations']} relations to {s['output']}"),
    )


@main.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@memory_options
@handle_errors
def import_(file: str, store: str | None, config: str | None, as_json: bool, **scope: Any) -> None:
    """Import a JSONL file: one add call per line (see README), with a progress bar."""
    from graphmem.transfer import count_lines, import_lines

    with _open(store, config) as memory, open(file, encoding="utf-8") as handle:
        total = count_lines(file)
        summary = import_lines(memory, handle, scope_of(scope), total=total, progress=not as_json)
    _emit(
        summary,
        as_json,
        lambda s: _summary(f"imported {s['episodes']} episodes, {s['memories']} memories ({s['failed']} failed)", s),
    )


def _summary(headline: str, summary: dict[str, Any]) -> None:
    """A load's one-line summary, then each bad line's number and reason (the --json output has them too)."""
    click.echo(headline)
    for error in summary["errors"]:
        click.echo(f"  line {error['line']}: {error['error']}")


@main.command(name="add-triples")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@memory_options
@click.option("--metadata", help="JSON object stored with each batch's episode.")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(min=1),
              help="Triples per add_triples call (one episode and one transaction each).")  # fmt: skip
@handle_errors
def add_triples(
    file: str, store: str | None, config: str | None, as_json: bool, metadata: str | None, batch_size: int, **scope: Any
) -> None:
    """Load triples from FILE (CSV or JSON lines) with add_triples: no extraction.

    One triple a line: a CSV row `source,relationship,target` (quote fields that hold commas; a header row is
    skipped) or JSON, `["s", "r", "o"]` or `{"source": ..., "relationship": ..., "destination": ...}`. Blank lines
    and lines starting with # are skipped; a bad line is reported with its number and reason and the rest load.
    Large files load in batches, with a progress bar.
    """
    from graphmem.transfer import count_lines
    from graphmem.triples_file import load_triples

    meta, where = _json_option("--metadata", metadata), scope_of(scope, required=True)
    with _open(store, config) as memory, open(file, encoding="utf-8") as handle:
        total = count_lines(file)
        summary = load_triples(memory, handle, where, meta, batch_size=batch_size, total=total, progress=not as_json)
    _emit(
        summary,
        as_json,
        lambda s: _summary(
            f"loaded {s['triples']} triples ({s['relations']} new relations, {s['episodes']} episode(s)); "
            f"{s['failed']} bad lines",
            s,
        ),
    )


@main.command()
@memory_options
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
@handle_errors
def export(store: str | None, config: str | None, as_json: bool, output: str | None, **scope: Any) -> None:
    """Export the scope's episodes as JSONL that `graphmem import` reads back."""
    from graphmem.transfer import export_lines

    where = scope_of(scope, required=True)
    with _open(store, config, must_exist=True) as memory:
        lines: Iterator[str] = export_lines(memory, where)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                count = sum(1 for line in lines if handle.write(line + "\n"))
            click.echo(f"exported {count} episodes to {output}", err=True)
        else:
            for line in lines:
                click.echo(line)


def _json_option(name: str, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}", param_hint=name) from None


# -- the service ------------------------------------------------------------------------------------------------------
@main.command()
@store_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--insecure-local",
    is_flag=True,
    help="Serve without API keys, in the library's own tenant, on loopback only (a --host elsewhere is refused).",
)
@click.option("--max-body-bytes", type=int, help="Largest request body accepted (default 4 MiB); more is a 413.")
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    help="Server processes, each with its own connection to the store: for Neo4j (the embedded store is served "
    "by one process).",
)
@handle_errors
def serve(
    store: str | None,
    config: str | None,
    host: str,
    port: int,
    insecure_local: bool,
    max_body_bytes: int | None,
    log_level: str,
    workers: int,
) -> None:
    """Serve the memory over REST (mem0's routes plus the graph). Every route but /health needs an API key of
    `graphmem keys create`; the key's tenant fences every read and write."""
    try:
        from graphmem.service.app import MAX_BODY_BYTES
        from graphmem.service.serve import Settings, serve_workers
        from graphmem.service.serve import serve as run
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in ("fastapi", "starlette", "uvicorn"):
            raise click.ClickException(
                "graphmem serve needs the server extra: pip install 'graphmem[server]'"
            ) from None
        raise
    limit = MAX_BODY_BYTES if max_body_bytes is None else max_body_bytes
    if workers != 1:  # each worker process opens its own memory from the same options
        settings = Settings(store, config, insecure_local=insecure_local, max_body_bytes=limit)
        serve_workers(settings, host, port, workers=workers, log_level=log_level)
        return
    with _open(store, config) as memory:
        run(memory, host, port, insecure_local=insecure_local, log_level=log_level, max_body_bytes=limit)


@main.group()
def keys() -> None:
    """Create, list and revoke the API keys of `graphmem serve` (kept in the store, as salted hashes)."""


@keys.command(name="create")
@store_options
@click.option("--tenant", required=True, help="The tenant whose data the key reaches (and nothing else).")
@click.option("--admin", is_flag=True, help="The key may also reset the store.")
@click.option("--json", "as_json", is_flag=True, help="Print the new key's record, key included, as JSON.")
@handle_errors
def keys_create(store: str | None, config: str | None, tenant: str, admin: bool, as_json: bool) -> None:
    """Create a key and print it: this is the only time it is shown."""
    from graphmem.service.keys import Keys, key_table

    with _open(store, config) as memory:
        memory.for_tenant(tenant)  # the tenant's checks (non-blank, length, characters), as the server applies them
        record, key = Keys(key_table(memory.store)).create(tenant, admin)
    _emit(
        {**record.as_dict(), "key": key},
        as_json,
        lambda r: click.echo(
            f"created key {r['id']} for tenant {r['tenant']!r}{' (admin)' if r['admin'] else ''}; "
            f"it is shown only now:\n{r['key']}"
        ),
    )


@keys.command(name="list")
@store_options
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def keys_list(store: str | None, config: str | None, as_json: bool) -> None:
    """Ids, tenants, rights and dates of the keys (never a key itself)."""
    from graphmem.service.keys import Keys, key_table

    with _open(store, config, must_exist=True) as memory:
        records = [r.as_dict() for r in Keys(key_table(memory.store)).list_keys()]

    def human(rows: list[dict[str, Any]]) -> None:
        for r in rows:
            state = f"revoked {r['revoked_at'][:19]}" if r["revoked_at"] else "active"
            click.echo(f"{r['id']}  {r['tenant']:<20} {'admin' if r['admin'] else 'user ':<5}  "
                       f"created {r['created_at'][:19]}  {state}")  # fmt: skip
        click.echo(f"({len(rows)} keys)")

    _emit(records, as_json, human)


@keys.command(name="revoke")
@click.argument("key_id")
@store_options
@handle_errors
def keys_revoke(key_id: str, store: str | None, config: str | None) -> None:
    """Revoke the key KEY_ID (as `keys list` shows it): requests with it are refused from now on."""
    from graphmem.service.keys import Keys, key_table

    with _open(store, config, must_exist=True) as memory:
        Keys(key_table(memory.store)).revoke(key_id)
    click.echo(f"revoked key {key_id}")


@main.command(name="mcp")
@store_options
@click.option(
    "--tenant",
    help="Act in this tenant's data (what its API keys reach through `graphmem serve`) instead of the library's own. "
    "A convenience, not a fence: a local process can open the store file itself.",
)
@handle_errors
def mcp_command(store: str | None, config: str | None, tenant: str | None) -> None:
    """Serve the memory to an MCP host (Claude Desktop, an IDE, an agent) over stdin/stdout: the tools add_memory,
    search_memory, get_memories, ... act on the store directly, in the library's own tenant unless --tenant."""
    try:
        from graphmem.service.mcp import run_stdio
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in ("mcp", "mcp_types"):
            raise click.ClickException("graphmem mcp needs the mcp extra: pip install 'graphmem[mcp]'") from None
        raise
    with _open(store, config) as memory:
        run_stdio(memory if tenant is None else memory.for_tenant(tenant))
