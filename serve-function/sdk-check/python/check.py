"""serve-function as an app using the official OpenAI Python SDK sees it (see ../run-python.sh).

    python check.py http://127.0.0.1:8081/v1 <decoder-model> [<encoder-model> <encoder-url>] [--tools]

Prints one line per check and exits 1 if any failed.
"""
import base64
import json
import struct
import sys
from typing import Literal

import openai
from openai import OpenAI
from pydantic import BaseModel

# --tools: the decoder's chat template reads tools (e.g. kjv-llama published with serve-function/src/test/resources/
# kjv-tools.jinja as its chat_template.jinja): forced tool calls are checked instead of the refusal of tools
tools_template = "--tools" in sys.argv
args = [a for a in sys.argv if a != "--tools"]
base_url, model = args[1], args[2]
embed_model, embed_url = (args[3], args[4]) if len(args) > 4 else (None, None)
client = OpenAI(base_url=base_url, api_key="not-checked", max_retries=0)
failed = 0


def check(name):
    def run(fn):
        global failed
        try:
            fn()
            print(f"PASS {name}")
        except Exception as e:  # a failed check is reported, the others still run
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
        return fn
    return run


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def refused(error_type, status, param, fn, code=None):
    try:
        fn()
    except error_type as e:
        expect(e.status_code == status, f"status {e.status_code}, expected {status}")
        body = e.body if isinstance(e.body, dict) else {}
        if param is not None:
            expect(body.get("param") == param, f"param {body.get('param')}, expected {param}")
        if code is not None:
            expect(body.get("code") == code, f"code {body.get('code')}, expected {code}")
        return
    raise AssertionError(f"expected {error_type.__name__} ({status})")


@check("models.list / retrieve")
def _():
    ids = [m.id for m in client.models.list()]
    expect(ids == [model], ids)
    m = client.models.retrieve(model)
    expect(m.owned_by == "secateur" and m.created > 0, m)


@check("completions: n, logprobs, echo, usage")
def _():
    c = client.completions.create(model=model, prompt="And it came to pass", max_tokens=6, temperature=0, n=2,
                                  logprobs=2, echo=True)
    expect(c.object == "text_completion" and len(c.choices) == 2, c)
    expect(c.choices[0].text == c.choices[1].text, "greedy choices differ")
    expect(c.choices[0].text.startswith("And it came to pass"), c.choices[0].text)
    lp = c.choices[0].logprobs
    expect(len(lp.tokens) == len(lp.token_logprobs) == len(lp.text_offset), lp)
    expect(c.usage.total_tokens == c.usage.prompt_tokens + c.usage.completion_tokens, c.usage)


@check("completions: echo is the prompt as sent, logit_bias steers")
def _():
    plain = client.completions.create(model=model, prompt="And it came to pass", max_tokens=4, temperature=0)
    echoed = client.completions.create(model=model, prompt="And it came to pass", max_tokens=4, temperature=0, echo=True)
    expect(echoed.choices[0].text == "And it came to pass" + plain.choices[0].text, echoed.choices[0].text)
    biased = client.completions.create(model=model, prompt="And it came to pass", max_tokens=4, temperature=0,
                                       logprobs=0, logit_bias={"65": 100})
    tokens = biased.choices[0].logprobs.tokens
    expect(len(tokens) == 4 and len(set(tokens)) == 1, tokens)
    refused(openai.BadRequestError, 400, "logit_bias", lambda: client.completions.create(
        model=model, prompt="And", max_tokens=1, logit_bias={"65": 101}))


@check("completions stream = whole text, usage chunk")
def _():
    whole = client.completions.create(model=model, prompt="And God said", max_tokens=12, temperature=0)
    chunks = list(client.completions.create(model=model, prompt="And God said", max_tokens=12, temperature=0,
                                            stream=True, stream_options={"include_usage": True}))
    text = "".join(ch.choices[0].text for ch in chunks if ch.choices)
    expect(text == whole.choices[0].text, f"{text!r} != {whole.choices[0].text!r}")
    expect(chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == whole.usage.completion_tokens, chunks[-1])


@check("completions: a list of prompts, token-id prompt")
def _():
    c = client.completions.create(model=model, prompt=["In the beginning", "And God"], max_tokens=3, temperature=0)
    expect(sorted(ch.index for ch in c.choices) == [0, 1], c)
    t = client.completions.create(model=model, prompt=[1, 2, 3], max_tokens=2, temperature=0)
    expect(t.usage.prompt_tokens == 3, t.usage)


@check("chat: system + user, max_completion_tokens")
def _():
    c = client.chat.completions.create(model=model, messages=[{"role": "system", "content": "Be brief."},
                                                              {"role": "user", "content": "Who made the light?"}],
                                       max_completion_tokens=8, temperature=0)
    expect(c.object == "chat.completion" and c.choices[0].message.role == "assistant", c)
    expect(c.usage.completion_tokens <= 8, c.usage)
    expect(c.choices[0].finish_reason in ("stop", "length"), c.choices[0].finish_reason)


@check("chat stream: role first, content deltas = whole, finish_reason, usage")
def _():
    msgs = [{"role": "user", "content": [{"type": "text", "text": "Hello"}]}]
    whole = client.chat.completions.create(model=model, messages=msgs, max_tokens=10, temperature=0)
    chunks = list(client.chat.completions.create(model=model, messages=msgs, max_tokens=10, temperature=0,
                                                 stream=True, stream_options={"include_usage": True}))
    expect(chunks[0].choices[0].delta.role == "assistant", chunks[0])
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    expect(text == whole.choices[0].message.content, f"{text!r} != {whole.choices[0].message.content!r}")
    finishes = [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason]
    expect(finishes == [whole.choices[0].finish_reason], finishes)
    expect(chunks[-1].usage is not None and chunks[-1].choices == [], chunks[-1])


@check("chat: logprobs with top_logprobs, seed repeats")
def _():
    msgs = [{"role": "user", "content": "Hello"}]
    c = client.chat.completions.create(model=model, messages=msgs, max_tokens=3, logprobs=True, top_logprobs=2)
    first = c.choices[0].logprobs.content[0]
    expect(len(first.top_logprobs) == 2 and first.logprob <= 0 and first.bytes, first)
    a = client.chat.completions.create(model=model, messages=msgs, max_tokens=6, temperature=1.0, seed=7)
    b = client.chat.completions.create(model=model, messages=msgs, max_tokens=6, temperature=1.0, seed=7)
    expect(a.choices[0].message.content == b.choices[0].message.content, "same seed, different text")


@check("responses: output_text, usage, instructions, stream events")
def _():
    r = client.responses.create(model=model, instructions="Be brief.", input="Who made the light?",
                                max_output_tokens=8, temperature=0)
    expect(r.object == "response" and r.status in ("completed", "incomplete"), r)
    expect(r.output_text and r.output[0].content[0].type == "output_text", r.output)
    expect(r.usage.total_tokens == r.usage.input_tokens + r.usage.output_tokens and r.usage.output_tokens <= 8, r.usage)
    events = list(client.responses.create(model=model, instructions="Be brief.", input="Who made the light?",
                                          max_output_tokens=8, temperature=0, stream=True))
    expect(events[0].type == "response.created" and events[-1].type == "response." + r.status, [e.type for e in events])
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    expect(text == r.output_text and events[-1].response.output_text == text, f"{text!r} != {r.output_text!r}")
    expect([e.sequence_number for e in events] == list(range(len(events))), "sequence numbers")
    m = client.responses.create(model=model, input=[{"role": "user", "content": "And God said"},
                                                    {"role": "assistant", "content": "Let there be light"},
                                                    {"role": "user", "content": [{"type": "input_text", "text": "and?"}]}],
                                max_output_tokens=4, temperature=0)
    expect(m.usage.input_tokens > r.usage.input_tokens - 10, m.usage)


class Verse(BaseModel):
    testament: Literal["old", "new"]
    chapter: int
    poetry: bool


@check("structured outputs: parse() into a Pydantic model (chat and responses), JSON mode")
def _():
    c = client.chat.completions.parse(model=model, messages=[{"role": "user", "content": "Which verse tells of light?"}],
                                      response_format=Verse, max_completion_tokens=100, temperature=0)
    v = c.choices[0].message.parsed
    expect(c.choices[0].finish_reason == "stop" and isinstance(v, Verse), c.choices[0])
    r = client.responses.parse(model=model, input="Which verse tells of light?", text_format=Verse,
                               max_output_tokens=100, temperature=0)
    expect(isinstance(r.output_parsed, Verse) and r.output_parsed == v, r.output_parsed)
    j = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "In the beginning"}],
                                       response_format={"type": "json_object"}, max_tokens=100, temperature=0)
    expect(j.choices[0].finish_reason == "stop" and isinstance(json.loads(j.choices[0].message.content), dict),
           j.choices[0].message.content)
    refused(openai.BadRequestError, 400, "response_format.json_schema.schema.not", lambda: client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "hi"}], max_tokens=1,
        response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {"not": {}}}}))


class FindVerse(BaseModel):
    book: Literal["Genesis", "Exodus", "Psalms"]
    chapter: int


if tools_template:
    @check("forced tool calls: parse() with pydantic_function_tool and a named tool_choice, required, streamed, responses")
    def _():
        ask = [{"role": "user", "content": "Where is the verse of the beginning?"}]
        tool = openai.pydantic_function_tool(FindVerse, name="find_verse")
        c = client.chat.completions.parse(model=model, messages=ask, tools=[tool], max_completion_tokens=90, temperature=0,
                                          tool_choice={"type": "function", "function": {"name": "find_verse"}})
        call = c.choices[0].message.tool_calls[0]
        expect(c.choices[0].finish_reason == "tool_calls" and call.function.name == "find_verse"
               and isinstance(call.function.parsed_arguments, FindVerse), c.choices[0])
        r = client.chat.completions.create(model=model, messages=ask, tools=[tool], tool_choice="required",
                                           max_completion_tokens=90, temperature=0)
        expect(r.choices[0].message.tool_calls[0].function.name == "find_verse", r.choices[0])
        with client.chat.completions.stream(model=model, messages=ask, tools=[tool], tool_choice="required",
                                            max_completion_tokens=90, temperature=0) as s:
            final = s.get_final_completion()
        streamed = final.choices[0].message.tool_calls[0].function
        expect(streamed.parsed_arguments == call.function.parsed_arguments, streamed)
        resp = client.responses.create(model=model, input=ask[0]["content"], max_output_tokens=90, temperature=0,
                                       tools=[{"type": "function", "name": "find_verse", "strict": True,
                                               "parameters": tool["function"]["parameters"]}],
                                       tool_choice={"type": "function", "name": "find_verse"})
        calls = [o for o in resp.output if o.type == "function_call"]
        expect(len(calls) == 1 and FindVerse.model_validate_json(calls[0].arguments), resp.output)
        refused(openai.BadRequestError, 400, "tool_choice.function.name", lambda: client.chat.completions.create(
            model=model, messages=ask, tools=[tool], max_tokens=1,
            tool_choice={"type": "function", "function": {"name": "nope"}}))


@check("errors: typed exceptions with param and code")
def _():
    refused(openai.NotFoundError, 404, "model", lambda: client.completions.create(model="nope", prompt="x", max_tokens=1),
            code="model_not_found")
    refused(openai.BadRequestError, 400, "temperature",
            lambda: client.completions.create(model=model, prompt="x", max_tokens=1, temperature=-1))
    refused(openai.BadRequestError, 400, "messages", lambda: client.chat.completions.create(model=model, messages=[]))
    refused(openai.BadRequestError, 400, None,
            lambda: client.completions.create(model=model, prompt="and " * 5000, max_tokens=1), code="context_length_exceeded")
    if not tools_template:
        refused(openai.BadRequestError, 400, "tools", lambda: client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}], max_tokens=1,
            tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]))
    refused(openai.NotFoundError, 404, None, lambda: client.moderations.create(input="hi"), code="unknown_url")
    refused(openai.BadRequestError, 400, "previous_response_id", lambda: client.responses.create(
        model=model, input="hi", previous_response_id="resp_x"))
    refused(openai.BadRequestError, 400, "model", lambda: client.embeddings.create(model=model, input="hi"))


if embed_model:
    embed_client = OpenAI(base_url=embed_url, api_key="not-checked", max_retries=0)

    @check("embeddings: float and base64 agree, list input, dimensions")
    def _():
        f = embed_client.embeddings.create(model=embed_model, input=["In the beginning", "And God said"],
                                           encoding_format="float")
        expect(len(f.data) == 2 and f.data[1].index == 1, f.data)
        b = embed_client.embeddings.create(model=embed_model, input="In the beginning", encoding_format="base64")
        raw = b.data[0].embedding
        vec = list(struct.unpack(f"<{len(base64.b64decode(raw)) // 4}f", base64.b64decode(raw))) if isinstance(raw, str) else raw
        expect(max(abs(x - y) for x, y in zip(vec, f.data[0].embedding)) < 1e-6, "base64 differs from float")
        d = embed_client.embeddings.create(model=embed_model, input="x", dimensions=16)
        expect(len(d.data[0].embedding) == 16, len(d.data[0].embedding))

sys.exit(1 if failed else 0)
