"""``graphmem serve``: the REST service over ``Memory``, fenced by API keys (issue 12).

Layers: ``app`` assembles the FastAPI application; ``routes/`` holds one thin module per resource, each route one
``Memory`` call; ``auth`` turns the ``Authorization`` header into a tenant's view of the memory; ``keys`` stores and
checks the keys; ``errors`` maps graphmem's exceptions to statuses; ``bodies`` types the requests; ``serve`` makes the
checks before listening and runs the workers. ``mcp`` is the same memory as MCP tools (stdio, ``graphmem mcp``) and
``mcp_http`` serves them at ``/mcp`` behind the same keys. Needs the ``server`` extra (``pip install
graphmem[server]``); the MCP parts need the ``mcp`` extra.
"""
