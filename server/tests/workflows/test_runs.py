"""POST /v1/workflows/{key}/runs through the API: every reference example, projects,
and the OpenAI-compatible writer against a fake chat completions server on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from genfire_server.context import AppContext
from tests.conftest import Caller, MakeCaller, assert_problem
from tests.generation.helpers import post
from tests.loopback import origin
from tests.runs.helpers import balance, wait_terminal
from tests.variants import client_with
from tests.workflows.examples import EXAMPLES, KEYWORDS

HOOK_PACK = EXAMPLES["hook_pack"]
UGC_AD = EXAMPLES["ugc_ad"]
VARIANTS = EXAMPLES["product_ad_variants"]
STORYBOARD = EXAMPLES["storyboard"]
SCRIPT_KEYS = {"hooks", "body", "call_to_action", "full_script", "word_count", "estimated_duration"}


async def _run(client: httpx.AsyncClient, caller: Caller, key: str, body: Any) -> dict[str, Any]:
    response = await post(client, caller, f"/v1/workflows/{key}/runs", body)
    assert response.status_code == 200, response.text
    run = response.json()
    if run["status"] not in ("completed", "failed"):
        run = await wait_terminal(client, caller, run["id"])
    assert run["status"] == "completed", run
    return dict(run)


def _script_is_consistent(document: dict[str, Any]) -> None:
    words = len(document["full_script"].split())
    assert document["word_count"] == words
    assert document["estimated_duration"] == round(words / 2.5)


async def test_the_hook_pack_example_in_the_reference_shape(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    run = await _run(client, caller, "hook_pack", HOOK_PACK)
    assert run["capability"] == "workflow.hook_pack"
    assert run["endpoint"] == "workflows.hook_pack.run" and run["model"] is None
    assert run["input_summary"] == {"workflow": "hook_pack", **HOOK_PACK}
    assert run["usage"] == {"credits": 0}
    output = run["output"]
    assert set(output) == {"workflow", "topic", "writer", *SCRIPT_KEYS}
    assert output["workflow"] == "hook_pack" and output["topic"] == HOOK_PACK["prompt"]
    assert len(output["hooks"]) == 3 and len(set(output["hooks"])) == 3
    _script_is_consistent(output)
    assert abs(output["word_count"] - 50) <= 0.15 * 50  # 20 s at 2.5 words a second
    copy = " ".join([*output["hooks"], output["body"], output["full_script"]]).lower()
    assert all(keyword in copy for keyword in KEYWORDS)
    assert output["writer"] == {"source": "local"}
    assert await balance(client, caller) == 1000


async def test_the_ugc_ad_example(client: httpx.AsyncClient, caller: Caller) -> None:
    output = (await _run(client, caller, "ugc_ad", UGC_AD))["output"]
    assert output["workflow"] == "ugc_ad" and output["topic"] == UGC_AD["prompt"]
    assert {"hooks", "body", "call_to_action", "full_script"} <= set(output)
    _script_is_consistent(output)


async def test_the_product_ad_variants_example_has_distinct_strategies(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    output = (await _run(client, caller, "product_ad_variants", VARIANTS))["output"]
    assert (
        output["prompt"] == "Portable espresso maker: Travel-friendly espresso maker for commuters"
    )
    assert output["variant_count"] == 3 and len(output["variants"]) == 3
    assert [variant["index"] for variant in output["variants"]] == [0, 1, 2]
    assert len({variant["strategy"] for variant in output["variants"]}) == 3
    for variant in output["variants"]:
        _script_is_consistent(variant)


async def test_creative_pack_from_the_requests_fields(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {
        "product_name": "Matte Black Water Bottle",
        "product_description": "Insulated stainless steel water bottle",
        "category": "hydration",
        "tone": "casual",
    }
    output = (await _run(client, caller, "creative_pack", body))["output"]
    assert output["product"]["name"] == "Matte Black Water Bottle"
    assert 3 <= len(output["analysis"]["marketingAngles"]) <= 5
    _script_is_consistent(output)


async def test_the_storyboard_example_plans_a_project(
    client: httpx.AsyncClient, caller: Caller, make_caller: MakeCaller
) -> None:
    run = await _run(client, caller, "storyboard", STORYBOARD)
    output = run["output"]
    assert output["project_id"].startswith("proj_") and run["resource_id"] == output["project_id"]
    assert output["project_status"] == "needs_approval"
    assert (output["current_stage"], output["next_action"]) == ("storyboard", "approve_storyboard")
    response = await client.get(f"/v1/projects/{output['project_id']}", headers=caller.headers)
    assert response.status_code == 200, response.text
    project = response.json()
    assert project["object"] == "project" and project["title"] == "Spring Launch Ad"
    assert project["status"] == "needs_approval" and project["run_id"] == run["id"]
    frames = project["storyboard_frames"]
    assert frames and all((frame["width"], frame["height"]) == (720, 1280) for frame in frames)
    assert sum(shot["duration"] for shot in project["shot_list"]) == pytest.approx(30, abs=0.5)
    assert project["brief"] and project["brand_kit"] and project["script"]["full_script"]
    stranger = await make_caller()
    assert_problem(
        await client.get(f"/v1/projects/{output['project_id']}", headers=stranger.headers),
        404,
        "not_found",
    )


@pytest.mark.parametrize(
    ("key", "body", "fragment"),
    [
        ("hook_pack", {"audience": "devs"}, "prompt is required"),
        ("hook_pack", {"prompt": "x", "tone": "angry"}, "tone must be one of"),
        ("product_ad_variants", {"prompt": "x", "variant_count": 7}, "variant_count"),
        ("storyboard", {"prompt": "x", "aspect_ratio": "4:3"}, "aspect_ratio"),
    ],
)
async def test_schema_violations_are_400s_naming_the_path(
    client: httpx.AsyncClient, caller: Caller, key: str, body: dict[str, Any], fragment: str
) -> None:
    response = await post(client, caller, f"/v1/workflows/{key}/runs", body)
    problem = assert_problem(response, 400, "validation_error")
    assert fragment in str(problem["detail"])


async def test_an_unknown_workflow_cannot_run(client: httpx.AsyncClient, caller: Caller) -> None:
    assert_problem(await post(client, caller, "/v1/workflows/podcast/runs", {}), 404, "not_found")


async def test_a_body_that_is_not_an_object_is_refused(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    response = await post(client, caller, "/v1/workflows/hook_pack/runs", ["prompt"])  # type: ignore[arg-type]
    assert_problem(response, 400, "validation_error")


# --- the OpenAI-compatible writer -----------------------------------------------------


class _FakeChat:
    """A chat completions server on loopback speaking OpenAI's wire format."""

    def __init__(self) -> None:
        self.port = 0
        self.requests: list[dict[str, Any]] = []
        self.headers: list[str] = []
        self.reply: Any = None  # a dict (the JSON answer), a str (raw content), or an int status

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        length = int(
            next(
                line.split(":")[1]
                for line in head.split("\r\n")
                if line.lower().startswith("content-length")
            )
        )
        request = json.loads(await reader.readexactly(length))
        self.requests.append(request)
        self.headers.append(head)
        status, body = 200, b""
        if isinstance(self.reply, int):
            status, body = self.reply, b'{"error": {"message": "overloaded"}}'
        else:
            draft = json.loads(request["messages"][1]["content"])["draft"]
            content = self.reply(draft) if callable(self.reply) else self.reply
            completion = {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": request["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
            }
            body = json.dumps(completion).encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n".encode()
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def chat() -> AsyncIterator[_FakeChat]:
    fake = _FakeChat()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    fake.port = server.sockets[0].getsockname()[1]
    yield fake
    server.close()
    await server.wait_closed()


@pytest.fixture
async def llm_client(ctx: AppContext, chat: _FakeChat) -> AsyncIterator[httpx.AsyncClient]:
    async with client_with(
        ctx,
        llm_base_url=f"http://127.0.0.1:{chat.port}/v1",
        llm_api_key="sk-test-secret",
        llm_model="tiny-writer",
    ) as client:
        yield client


def _rewritten(draft: dict[str, Any]) -> str:
    answer = dict(draft)
    answer["hooks"] = [f"Rewritten hook {index}: breakfast in a minute." for index in range(3)]
    answer["call_to_action"] = "Grab yours today."
    # Near the draft's length and with every keyword kept, as the writer must.
    answer["full_script"] = "Rewritten hook 0: breakfast in a minute. " + draft["full_script"]
    return json.dumps(answer)


async def test_a_configured_llm_writes_the_copy(
    llm_client: httpx.AsyncClient, caller: Caller, chat: _FakeChat
) -> None:
    chat.reply = _rewritten
    output = (await _run(llm_client, caller, "hook_pack", HOOK_PACK))["output"]
    assert output["writer"] == {"source": "llm", "model": "tiny-writer"}
    assert output["hooks"][0].startswith("Rewritten hook 0")
    assert output["call_to_action"] == "Grab yours today."
    _script_is_consistent(output)  # recounted from the model's script
    request = chat.requests[0]
    assert request["model"] == "tiny-writer"
    assert request["response_format"] == {"type": "json_object"}
    assert "authorization: bearer sk-test-secret" in chat.headers[0].lower()


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("this is not json", "not a JSON object"),
        (json.dumps({"hooks": ["only one"]}), "did not match the output shape"),
        (
            json.dumps({"hooks": [1, 2, 3], "body": "", "call_to_action": "", "full_script": ""}),
            "output shape",
        ),
        (503, "HTTP 503"),
        ("[" * 100_000 + "]" * 100_000, "not a JSON object"),
        (json.dumps(["a", "list"]), "not a JSON object"),
        (lambda draft: json.dumps({**draft, "full_script": "Too short."}), "words"),
        (lambda draft: json.dumps({**draft, "extra": "key"}), "output shape"),
        (lambda draft: json.dumps({**draft, "body": "   "}), "output shape"),
        ("x" * 300_000, "larger than 256 KB"),
    ],
)
async def test_an_unusable_llm_answer_falls_back_to_the_local_writer(
    llm_client: httpx.AsyncClient, caller: Caller, chat: _FakeChat, reply: Any, reason: str
) -> None:
    chat.reply = reply
    output = (await _run(llm_client, caller, "hook_pack", HOOK_PACK))["output"]
    assert output["writer"]["source"] == "local"
    assert reason in output["writer"]["fallback_reason"]
    assert len(output["hooks"]) == 3
    _script_is_consistent(output)


async def test_creative_pack_reads_the_product_page_first(ctx: AppContext, caller: Caller) -> None:
    """The reference example: only a product_url. The page is one of the saved shop pages,
    served on an allow-listed loopback address."""
    from tests.products.test_extract_api import PAGES

    page = (PAGES / "01-jsonld-product.html").read_bytes()
    async with origin() as served, client_with(ctx, fetch_allow_hosts="127.0.0.2/32") as client:
        url = served.serve("/products/pour-over-set", page, "text/html; charset=utf-8")
        output = (await _run(client, caller, "creative_pack", {"product_url": url}))["output"]
    product = output["product"]
    assert product["name"] == "Northwind Ceramic Pour-Over Set"
    assert product["price"] == "$64.50" and product["images"]
    assert set(product) == {"name", "description", "category", "price", "images"}
    assert 3 <= len(output["analysis"]["marketingAngles"]) <= 5
    assert "pour-over" in " ".join(output["hooks"] + [output["body"]]).lower()


async def test_creative_pack_with_an_unreachable_page_fails_clearly(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {"product_url": "https://unreachable.invalid/products/x"}
    response = await post(client, caller, "/v1/workflows/creative_pack/runs", body)
    run = await wait_terminal(client, caller, response.json()["id"])
    assert run["status"] == "failed" and run["error"]["code"] == "input_fetch_failed"


async def test_creative_pack_refuses_a_private_product_url(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {"product_url": "http://127.0.0.1:8080/admin"}
    response = await post(client, caller, "/v1/workflows/creative_pack/runs", body)
    assert_problem(response, 400, "unsafe_url")


async def test_the_llm_may_change_words_not_what_the_run_planned(
    llm_client: httpx.AsyncClient, caller: Caller, chat: _FakeChat, db: Any
) -> None:
    def meddle(draft: dict[str, Any]) -> str:
        answer = json.loads(json.dumps(draft))
        answer["variant_count"] = 99
        for variant in answer["variants"]:
            variant["index"] = 7
            variant["strategy"] = "Whatever"
            variant["body"] = "A sharper body line for commuters. " + variant["body"]
        return json.dumps(answer)

    chat.reply = meddle
    output = (await _run(llm_client, caller, "product_ad_variants", VARIANTS))["output"]
    assert output["writer"]["source"] == "llm"
    assert output["variant_count"] == 3
    assert [variant["index"] for variant in output["variants"]] == [0, 1, 2]
    assert "Whatever" not in {variant["strategy"] for variant in output["variants"]}
    assert all(v["body"].startswith("A sharper body line") for v in output["variants"])
    # The key is a secret: it is sent, and never kept.
    from sqlalchemy import select

    from genfire_server.models import Run

    async with db.read() as session:
        rows = (await session.execute(select(Run.input, Run.output))).all()
    assert "sk-test-secret" not in json.dumps([list(row) for row in rows])


async def test_a_huge_integer_is_a_400_not_a_500(client: httpx.AsyncClient, caller: Caller) -> None:
    body = b'{"prompt": "Portable blender", "target_duration": 1' + b"0" * 400 + b"}"
    headers = {**caller.headers, "Idempotency-Key": "huge", "Content-Type": "application/json"}
    response = await client.post("/v1/workflows/hook_pack/runs", content=body, headers=headers)
    assert_problem(response, 400, "validation_error")


async def test_creative_pack_falls_back_to_its_own_fields_when_the_page_is_unreachable(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {
        "product_url": "https://unreachable.invalid/products/x",
        "product_name": "Matte Black Water Bottle",
    }
    output = (await _run(client, caller, "creative_pack", body))["output"]
    assert output["product"]["name"] == "Matte Black Water Bottle"
