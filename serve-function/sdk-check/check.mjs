// serve-function as an app using the official OpenAI Node SDK sees it. Usage (see run.sh):
//   node check.mjs http://127.0.0.1:8081/v1 <decoder-model> [<encoder-model> <encoder-url>] [--tools]
// --tools: the decoder's chat template reads tools (e.g. kjv-llama published with
// serve-function/src/test/resources/kjv-tools.jinja as its chat_template.jinja): forced tool calls are checked
// instead of the refusal of tools. Prints one line per check and exits 1 if any failed.
import OpenAI from 'openai';

const toolsTemplate = process.argv.includes('--tools');
const [baseURL, model, embedModel, embedURL] = process.argv.slice(2).filter((a) => a !== '--tools');
const client = new OpenAI({ baseURL, apiKey: 'not-checked', maxRetries: 0 });
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    console.log(`PASS ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e?.status ?? ''} ${e?.message ?? e}`);
  }
}

function expect(cond, what) {
  if (!cond) throw new Error(what);
}

async function refused(status, param, fn) {
  try {
    await fn();
  } catch (e) {
    expect(e instanceof OpenAI.APIError, `not an APIError: ${e}`);
    expect(e.status === status, `status ${e.status}, expected ${status}`);
    if (param) expect(e.param === param, `param ${e.param}, expected ${param}`);
    return;
  }
  throw new Error(`expected HTTP ${status}`);
}

async function collect(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

await check('models.list / retrieve', async () => {
  const page = await client.models.list();
  expect(page.data.length === 1 && page.data[0].id === model && page.data[0].object === 'model', JSON.stringify(page.data));
  const m = await client.models.retrieve(model);
  expect(m.owned_by === 'secateur' && m.created > 0, JSON.stringify(m));
});

await check('completions plain, n, logprobs', async () => {
  const c = await client.completions.create({ model, prompt: 'And it came to pass', max_tokens: 8, temperature: 0 });
  expect(c.choices[0].text.length > 0 && c.usage.total_tokens > 0, JSON.stringify(c));
  const n = await client.completions.create({ model, prompt: 'In the beginning', max_tokens: 4, n: 3, seed: 1 });
  expect(n.choices.length === 3, `n: ${n.choices.length}`);
  const lp = await client.completions.create({ model, prompt: 'In the beginning', max_tokens: 4, logprobs: 2, temperature: 0 });
  const top = lp.choices[0].logprobs.top_logprobs;
  expect(top.length === lp.usage.completion_tokens && Object.keys(top[0]).length === 2, JSON.stringify(lp.choices[0].logprobs));
});

await check('completions stream with include_usage, stop', async () => {
  const chunks = await collect(await client.completions.create({ model, prompt: 'In the beginning', max_tokens: 8,
    temperature: 0, stream: true, stream_options: { include_usage: true } }));
  const whole = await client.completions.create({ model, prompt: 'In the beginning', max_tokens: 8, temperature: 0 });
  const text = chunks.flatMap((c) => c.choices).map((ch) => ch.text).join('');
  expect(text === whole.choices[0].text, `streamed "${text}" vs "${whole.choices[0].text}"`);
  expect(chunks.at(-1).usage?.total_tokens === whole.usage.total_tokens, 'usage chunk');
  const words = whole.choices[0].text.trim().split(' ');
  const cut = await client.completions.create({ model, prompt: 'In the beginning', max_tokens: 8, temperature: 0, stop: [words[1]] });
  expect(cut.choices[0].finish_reason === 'stop' && !cut.choices[0].text.includes(words[1]), JSON.stringify(cut.choices[0]));
});

await check('chat plain, system prompt, multi-turn', async () => {
  const c = await client.chat.completions.create({ model, max_completion_tokens: 12, temperature: 0,
    messages: [{ role: 'system', content: 'Answer in the words of the King James Bible.' },
      { role: 'user', content: 'Who made the heaven and the earth?' }, { role: 'assistant', content: 'God.' },
      { role: 'user', content: 'And what did he say?' }] });
  expect(c.object === 'chat.completion' && c.choices[0].message.role === 'assistant', JSON.stringify(c));
  expect(typeof c.choices[0].message.content === 'string' && c.usage.completion_tokens <= 12, JSON.stringify(c.usage));
});

await check('structured outputs: json_schema (strict) and a JSON-mode stream', async () => {
  const schema = { type: 'object', additionalProperties: false, required: ['book', 'chapter'],
    properties: { book: { enum: ['Genesis', 'Exodus'] }, chapter: { type: 'integer' } } };
  const c = await client.chat.completions.create({ model, max_completion_tokens: 60, temperature: 0,
    messages: [{ role: 'user', content: 'Where is the flood told?' }],
    response_format: { type: 'json_schema', json_schema: { name: 'place', strict: true, schema } } });
  const v = JSON.parse(c.choices[0].message.content);
  expect(c.choices[0].finish_reason === 'stop' && ['Genesis', 'Exodus'].includes(v.book) && Number.isInteger(v.chapter),
    c.choices[0].message.content);
  const chunks = await collect(await client.chat.completions.create({ model, max_tokens: 100, temperature: 0, stream: true,
    messages: [{ role: 'user', content: 'In the beginning' }], response_format: { type: 'json_object' } }));
  const text = chunks.flatMap((ch) => ch.choices).map((ch) => ch.delta?.content ?? '').join('');
  expect(typeof JSON.parse(text) === 'object', text);
});

await check('chat stream', async () => {
  const chunks = await collect(await client.chat.completions.create({ model, max_tokens: 8, temperature: 0, stream: true,
    stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'In the beginning' }] }));
  expect(chunks[0].choices[0].delta.role === 'assistant', JSON.stringify(chunks[0]));
  expect(chunks.some((c) => c.choices[0]?.finish_reason), 'a finish_reason');
  expect(chunks.at(-1).choices.length === 0 && chunks.at(-1).usage.total_tokens > 0, JSON.stringify(chunks.at(-1)));
});

await check('responses: output_text, usage, stream events', async () => {
  const args = { model, instructions: 'Be brief.', input: 'Who made the light?', max_output_tokens: 8, temperature: 0 };
  const r = await client.responses.create(args);
  expect(r.object === 'response' && ['completed', 'incomplete'].includes(r.status), JSON.stringify(r));
  expect(typeof r.output_text === 'string' && r.output_text.length > 0, JSON.stringify(r.output));
  expect(r.usage.total_tokens === r.usage.input_tokens + r.usage.output_tokens, JSON.stringify(r.usage));
  const events = await collect(await client.responses.create({ ...args, stream: true }));
  expect(events[0].type === 'response.created' && events.at(-1).type === `response.${r.status}`,
    events.map((e) => e.type).join(','));
  const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
  expect(text === r.output_text, `streamed "${text}" vs "${r.output_text}"`);
  if (!toolsTemplate) {
    await refused(400, 'tools', () => client.responses.create({ ...args, tools: [{ type: 'function', name: 'f', parameters: {}, strict: false }] }));
  }
});

if (toolsTemplate) {
  await check('forced tool calls: named, required (streamed) and allowed_tools; responses', async () => {
    const parameters = { type: 'object', additionalProperties: false, required: ['book', 'chapter'],
      properties: { book: { enum: ['Genesis', 'Exodus', 'Psalms'] }, chapter: { type: 'integer' } } };
    const tools = [{ type: 'function', function: { name: 'find_verse', strict: true, parameters } },
      { type: 'function', function: { name: 'is_poetry', parameters: { type: 'object', properties: { poetry: { type: 'boolean' } } } } }];
    const base = { model, tools, temperature: 0, max_completion_tokens: 90,
      messages: [{ role: 'user', content: 'Where is the verse of the beginning?' }] };
    const valid = (name, args) => name === 'find_verse' ? ['Genesis', 'Exodus', 'Psalms'].includes(JSON.parse(args).book)
      : typeof JSON.parse(args) === 'object';
    const named = await client.chat.completions.create({ ...base, tool_choice: { type: 'function', function: { name: 'find_verse' } } });
    const call = named.choices[0].message.tool_calls?.[0];
    expect(named.choices[0].finish_reason === 'tool_calls' && call?.function.name === 'find_verse'
      && valid(call.function.name, call.function.arguments), JSON.stringify(named.choices[0]));
    const chunks = await collect(await client.chat.completions.create({ ...base, tool_choice: 'required', stream: true }));
    const deltas = chunks.flatMap((ch) => ch.choices).flatMap((ch) => ch.delta?.tool_calls ?? []);
    const name = deltas.map((d) => d.function?.name ?? '').join('');
    const args = deltas.map((d) => d.function?.arguments ?? '').join('');
    expect(['find_verse', 'is_poetry'].includes(name) && valid(name, args), `${name} ${args}`);
    const allowed = await client.chat.completions.create({ ...base, tool_choice: { type: 'allowed_tools',
      allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'is_poetry' } }] } } });
    expect(allowed.choices[0].message.tool_calls?.[0]?.function.name === 'is_poetry', JSON.stringify(allowed.choices[0]));
    const r = await client.responses.create({ model, input: base.messages[0].content, temperature: 0, max_output_tokens: 90,
      tools: [{ type: 'function', name: 'find_verse', strict: true, parameters }], tool_choice: { type: 'function', name: 'find_verse' } });
    const fc = r.output.filter((o) => o.type === 'function_call');
    expect(fc.length === 1 && valid(fc[0].name, fc[0].arguments) && r.tool_choice?.name === 'find_verse', JSON.stringify(r.output));
  });
}

await check('typed errors', async () => {
  await refused(404, 'model', () => client.completions.create({ model: 'nope', prompt: 'x' }));
  await refused(400, 'max_tokens', () => client.completions.create({ model, prompt: 'x', max_tokens: -1 }));
  await refused(400, 'messages[0].role', () => client.chat.completions.create({ model, messages: [{ role: 'wizard', content: 'x' }] }));
  if (!toolsTemplate) {
    await refused(400, 'tools', () => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }],
      tools: [{ type: 'function', function: { name: 'f' } }] }));
  }
  await refused(400, null, () => client.completions.create({ model, prompt: 'word '.repeat(400), max_tokens: 4 }));
  await refused(413, null, () => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x'.repeat(2_000_000) }] }));
});

if (embedModel) {
  const embedder = new OpenAI({ baseURL: embedURL, apiKey: 'not-checked', maxRetries: 0 });
  await check('embeddings: default (base64) and float agree', async () => {
    const b = await embedder.embeddings.create({ model: embedModel, input: ['a sentence', 'another'] });
    const f = await embedder.embeddings.create({ model: embedModel, input: ['a sentence', 'another'], encoding_format: 'float' });
    expect(b.data.length === 2 && b.data[0].embedding.length === 384, `dims ${b.data[0].embedding.length}`);
    const diff = Math.max(...b.data[0].embedding.map((x, i) => Math.abs(x - f.data[0].embedding[i])));
    // JSON carries the float's shortest decimal, which Node reads as a double: equal to float32 precision.
    expect(diff < 1e-6, `base64 and float differ by ${diff}`);
    expect(b.usage.prompt_tokens > 0, JSON.stringify(b.usage));
  });
}

process.exit(failed ? 1 : 0);
