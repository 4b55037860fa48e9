import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';

const CONVERSATION_ID = /^conv_[0-9a-f]{48}$/;
const MISSING_CONVERSATION = `conv_${'0'.repeat(48)}`;

/** A message with the id it is to be stored under (the client's input message types have no id). */
function withId(message: { type: 'message'; id: string; role: 'user'; content: string }): OpenAI.Responses.ResponseInputItem {
  return message as unknown as OpenAI.Responses.ResponseInputItem;
}

// The official openai client against Cria's Conversations API: a distribution with only the
// conversations store (the API is the core's, so it needs no providers).
describe('conversations through the openai client', () => {
  const data = temporaryDirectory();
  let server: TestServer;
  let client: OpenAI;

  beforeAll(async () => {
    server = await startTestServer({ distribution: { apis: ['conversations'] }, dataDir: data.dir });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    data.remove();
  });

  it('creates a conversation without items or metadata', async () => {
    const conversation = await client.conversations.create();
    expect(conversation).toEqual({ id: expect.stringMatching(CONVERSATION_ID), object: 'conversation', created_at: expect.any(Number), metadata: null });
    expect(Math.abs(conversation.created_at - Date.now() / 1000)).toBeLessThan(5);
    expect(await client.conversations.items.list(conversation.id)).toMatchObject({ data: [] });
    const page = await client.conversations.items.list(conversation.id);
    expect(page.has_more).toBe(false);
  });

  it('creates a conversation with items and metadata, filling in ids, types, statuses and content parts', async () => {
    const conversation = await client.conversations.create({
      metadata: { topic: 'llamas' },
      items: [
        { type: 'message', role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'How tall is a llama?' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'About 1.8 m.', annotations: [] }] } as unknown as OpenAI.Responses.ResponseInputItem,
      ],
    });
    expect(conversation.metadata).toEqual({ topic: 'llamas' });
    expect(await client.conversations.retrieve(conversation.id)).toEqual(conversation);
    const items = await client.conversations.items.list(conversation.id, { order: 'asc' });
    expect(items.data).toEqual([
      { type: 'message', id: expect.stringMatching(/^msg_[0-9a-f]{48}$/), role: 'system', status: 'completed', content: [{ type: 'input_text', text: 'Answer briefly.' }] },
      { type: 'message', id: expect.stringMatching(/^msg_[0-9a-f]{48}$/), role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'How tall is a llama?' }] },
      { type: 'message', id: expect.stringMatching(/^msg_[0-9a-f]{48}$/), role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'About 1.8 m.', annotations: [], logprobs: [] }] },
    ]);
  });

  it('updates metadata, replacing it whole', async () => {
    const conversation = await client.conversations.create({ metadata: { a: '1', b: '2' } });
    const updated = await client.conversations.update(conversation.id, { metadata: { c: '3' } });
    expect(updated).toEqual({ ...conversation, metadata: { c: '3' } });
    expect(await client.conversations.retrieve(conversation.id)).toEqual(updated);
  });

  it('deletes a conversation and its items', async () => {
    const conversation = await client.conversations.create({ items: [{ type: 'message', role: 'user', content: 'bye' }] });
    const [item] = (await client.conversations.items.list(conversation.id)).data;
    expect(await client.conversations.delete(conversation.id)).toEqual({ id: conversation.id, object: 'conversation.deleted', deleted: true });
    await expect(client.conversations.retrieve(conversation.id)).rejects.toMatchObject({ status: 404, error: { param: 'conversation_id' } });
    await expect(client.conversations.items.retrieve(item!.id!, { conversation_id: conversation.id })).rejects.toMatchObject({ status: 404, error: { param: 'conversation_id' } });
    await expect(client.conversations.delete(conversation.id)).rejects.toMatchObject({ status: 404, error: { param: 'conversation_id' } });
  });

  it('adds items of each kind, retrieves and deletes them', async () => {
    const conversation = await client.conversations.create();
    const added = await client.conversations.items.create(conversation.id, {
      items: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is the weather in Lima?' }] },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Lima"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '{"temperature":19}' },
        { type: 'reasoning', id: 'rs_given', summary: [{ type: 'summary_text', text: 'Looked up the weather.' }] },
        { type: 'message', id: 'msg_given', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: '19 °C in Lima.', annotations: [], logprobs: [] }] },
      ],
    });
    expect(added.has_more).toBe(false);
    expect(added.data.map((item) => item.type)).toEqual(['message', 'function_call', 'function_call_output', 'reasoning', 'message']);
    expect(added.data[1]).toEqual({ type: 'function_call', id: expect.stringMatching(/^item_[0-9a-f]{48}$/), call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Lima"}', status: 'completed' });
    expect(added.data[2]).toMatchObject({ type: 'function_call_output', call_id: 'call_1', output: '{"temperature":19}', status: 'completed' });
    expect(added.data[3]).toEqual({ type: 'reasoning', id: 'rs_given', summary: [{ type: 'summary_text', text: 'Looked up the weather.' }] });
    expect(added.first_id).toBe(added.data[0]!.id);
    expect(added.last_id).toBe('msg_given');

    const call = await client.conversations.items.retrieve(added.data[1]!.id!, { conversation_id: conversation.id });
    expect(call).toEqual(added.data[1]);

    expect(await client.conversations.items.delete(added.data[1]!.id!, { conversation_id: conversation.id })).toEqual(conversation);
    const left = await client.conversations.items.list(conversation.id, { order: 'asc' });
    expect(left.data.map((item) => item.id)).toEqual([added.data[0]!.id, added.data[2]!.id, 'rs_given', 'msg_given']);
    await expect(client.conversations.items.retrieve(added.data[1]!.id!, { conversation_id: conversation.id })).rejects.toMatchObject({ status: 404, error: { param: 'item_id' } });
    await expect(client.conversations.items.delete(added.data[1]!.id!, { conversation_id: conversation.id })).rejects.toMatchObject({ status: 404, error: { param: 'item_id' } });

    // Adding an item again under its id replaces it, and moves it after the others (Llama Stack's upsert).
    await client.conversations.items.create(conversation.id, { items: [withId({ type: 'message', id: 'rs_given', role: 'user', content: 'replaced' })] });
    const replaced = await client.conversations.items.list(conversation.id, { order: 'asc' });
    expect(replaced.data.map((item) => item.id)).toEqual([added.data[0]!.id, added.data[2]!.id, 'msg_given', 'rs_given']);
    expect(replaced.data.at(-1)).toMatchObject({ type: 'message', content: [{ type: 'input_text', text: 'replaced' }] });
  });

  it('lists items newest first by default, oldest first with order=asc, paged by after and limit', async () => {
    const conversation = await client.conversations.create({ items: Array.from({ length: 5 }, (_, index) => ({ type: 'message' as const, role: 'user' as const, content: `first ${index}` })) });
    await client.conversations.items.create(conversation.id, { items: Array.from({ length: 3 }, (_, index) => ({ type: 'message' as const, role: 'user' as const, content: `then ${index}` })) });
    const texts = (items: OpenAI.Conversations.ConversationItem[]) => items.map((item) => ((item as OpenAI.Conversations.Message).content[0] as { text: string }).text);
    const ascending = ['first 0', 'first 1', 'first 2', 'first 3', 'first 4', 'then 0', 'then 1', 'then 2'];

    const newest = await client.conversations.items.list(conversation.id);
    expect(texts(newest.data)).toEqual([...ascending].reverse());
    expect(newest.has_more).toBe(false);

    // The page object keeps data, has_more and last_id; the body has first_id too.
    const firstPage = (await (await client.conversations.items.list(conversation.id, { order: 'asc', limit: 3 }).asResponse()).json()) as OpenAI.Conversations.ConversationItemList;
    expect(texts(firstPage.data)).toEqual(ascending.slice(0, 3));
    expect(firstPage.has_more).toBe(true);
    expect(firstPage.first_id).toBe(firstPage.data[0]!.id);
    expect(firstPage.last_id).toBe(firstPage.data[2]!.id);
    const secondPage = await client.conversations.items.list(conversation.id, { order: 'asc', limit: 3, after: firstPage.last_id });
    expect(texts(secondPage.data)).toEqual(ascending.slice(3, 6));
    const lastPage = await client.conversations.items.list(conversation.id, { order: 'asc', limit: 3, after: secondPage.last_id });
    expect(texts(lastPage.data)).toEqual(ascending.slice(6));
    expect(lastPage.has_more).toBe(false);

    const descending = await client.conversations.items.list(conversation.id, { order: 'desc', limit: 2, after: newest.data[1]!.id });
    expect(texts(descending.data)).toEqual(['then 0', 'first 4']);
    expect(descending.has_more).toBe(true);

    // The client's auto-pagination follows has_more and the last id.
    const all: string[] = [];
    for await (const item of client.conversations.items.list(conversation.id, { order: 'asc', limit: 2 })) all.push(texts([item])[0]!);
    expect(all).toEqual(ascending);

    // include is accepted (stored items are returned whole).
    const included = await client.conversations.items.list(conversation.id, { include: ['message.output_text.logprobs'], limit: 1 });
    expect(included.data).toHaveLength(1);

    const empty = await (await client.conversations.items.list(conversation.id, { order: 'asc', after: lastPage.last_id }).asResponse()).json();
    expect(empty).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  it('answers 404 naming the parameter for what does not exist', async () => {
    const conversation = await client.conversations.create();
    for (const call of [
      () => client.conversations.retrieve(MISSING_CONVERSATION),
      () => client.conversations.update(MISSING_CONVERSATION, { metadata: {} }),
      () => client.conversations.delete(MISSING_CONVERSATION),
      () => client.conversations.items.list(MISSING_CONVERSATION),
      () => client.conversations.items.create(MISSING_CONVERSATION, { items: [{ type: 'message', role: 'user', content: 'hi' }] }),
      () => client.conversations.items.retrieve('msg_1', { conversation_id: MISSING_CONVERSATION }),
      () => client.conversations.items.delete('msg_1', { conversation_id: MISSING_CONVERSATION }),
    ]) {
      await expect(call()).rejects.toMatchObject({ status: 404, error: { param: 'conversation_id', type: 'invalid_request_error' } });
    }
    await expect(client.conversations.items.retrieve('msg_missing', { conversation_id: conversation.id })).rejects.toMatchObject({ status: 404, error: { param: 'item_id' } });
    await expect(client.conversations.items.list(conversation.id, { after: 'msg_missing' })).rejects.toMatchObject({ status: 400, error: { param: 'after' } });
  });

  it('answers 400 naming the field for invalid requests', async () => {
    const conversation = await client.conversations.create();
    const tooMany = Array.from({ length: 21 }, () => ({ type: 'message' as const, role: 'user' as const, content: 'hi' }));
    await expect(client.conversations.create({ items: tooMany })).rejects.toMatchObject({ status: 400, error: { param: 'items' } });
    await expect(client.conversations.items.create(conversation.id, { items: tooMany })).rejects.toMatchObject({ status: 400, error: { param: 'items' } });

    const seventeenKeys = Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`key${index}`, 'value']));
    await expect(client.conversations.create({ metadata: seventeenKeys })).rejects.toMatchObject({ status: 400, error: { param: 'metadata' } });
    await expect(client.conversations.update(conversation.id, { metadata: { ['k'.repeat(65)]: 'v' } })).rejects.toMatchObject({ status: 400, error: { param: expect.stringMatching(/^metadata/) } });
    await expect(client.conversations.update(conversation.id, { metadata: { key: 'v'.repeat(513) } })).rejects.toMatchObject({ status: 400, error: { param: 'metadata.key' } });
    await expect(client.conversations.create({ metadata: { count: 3 as unknown as string } })).rejects.toMatchObject({ status: 400, error: { param: 'metadata.count' } });

    await expect(client.conversations.items.create(conversation.id, { items: [{ type: 'function_call', call_id: 'c', name: 'f' } as unknown as OpenAI.Responses.ResponseInputItem] })).rejects.toMatchObject({ status: 400, error: { param: 'items[0].arguments' } });
    await expect(client.conversations.items.create(conversation.id, { items: [{ type: 'message', role: 'pirate', content: 'arr' } as unknown as OpenAI.Responses.ResponseInputItem] })).rejects.toMatchObject({ status: 400, error: { param: 'items[0].role' } });
    await expect(client.conversations.items.list(conversation.id, { limit: 101 })).rejects.toMatchObject({ status: 400, error: { param: 'limit' } });
    await expect(client.conversations.items.list(conversation.id, { order: 'sideways' as 'asc' })).rejects.toMatchObject({ status: 400, error: { param: 'order' } });
    await expect(client.conversations.retrieve('conv_not-hex')).rejects.toMatchObject({ status: 400, error: { param: 'conversation_id' } });

    // An item id belongs to one conversation: another may not take it over.
    const other = await client.conversations.create();
    await client.conversations.items.create(conversation.id, { items: [withId({ type: 'message', id: 'msg_owned', role: 'user', content: 'mine' })] });
    await expect(client.conversations.items.create(other.id, { items: [withId({ type: 'message', id: 'msg_owned', role: 'user', content: 'yours' })] })).rejects.toMatchObject({ status: 400, error: { param: 'items[0].id' } });
  });

  it('lets another API append items in order, beyond the 20 a request may add', async () => {
    const conversation = await client.conversations.create({ items: [{ type: 'message', role: 'user', content: 'start' }] });
    const conversations = server.stack.api('conversations')!;
    const appended = await conversations.appendItems(conversation.id, [
      ...Array.from({ length: 24 }, (_, index) => ({ type: 'message' as const, role: 'assistant' as const, content: `part ${index}` })),
      { type: 'function_call', call_id: 'call_9', name: 'lookup', arguments: '{}' },
    ]);
    expect(appended).toHaveLength(25);
    expect(appended[24]).toMatchObject({ type: 'function_call', id: expect.stringMatching(/^item_/), status: 'completed' });
    const listed = await client.conversations.items.list(conversation.id, { order: 'asc', limit: 100 });
    expect(listed.data.map((item) => item.id)).toEqual([listed.data[0]!.id, ...appended.map((item) => item.id)]);
    await expect(conversations.appendItems(MISSING_CONVERSATION, [{ role: 'user', content: 'x' }])).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('keeps conversations and items across a restart on the same data', async () => {
    const conversation = await client.conversations.create({ metadata: { kept: 'yes' }, items: [{ type: 'message', role: 'user', content: 'remember me' }] });
    await client.conversations.items.create(conversation.id, { items: [{ type: 'message', role: 'assistant', content: 'I will.' }] });
    const before = await client.conversations.items.list(conversation.id);
    await server.close();

    server = await startTestServer({ distribution: { apis: ['conversations'] }, dataDir: data.dir });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    expect(await client.conversations.retrieve(conversation.id)).toEqual(conversation);
    expect((await client.conversations.items.list(conversation.id)).data).toEqual(before.data);
    // Items added after the restart still come after the ones before it.
    await client.conversations.items.create(conversation.id, { items: [{ type: 'message', role: 'user', content: 'after the restart' }] });
    const ascending = await client.conversations.items.list(conversation.id, { order: 'asc' });
    expect(ascending.data.map((item) => ((item as OpenAI.Conversations.Message).content[0] as { text: string }).text)).toEqual(['remember me', 'I will.', 'after the restart']);
  });

  it('answers 400 saying what to configure when the distribution keeps no conversations', async () => {
    const bare = await startTestServer({ distribution: { apis: ['conversations'], storage: { backends: {}, stores: {} } } });
    try {
      const bareClient = new OpenAI({ baseURL: bare.baseURL, apiKey: 'none', maxRetries: 0 });
      await expect(bareClient.conversations.create()).rejects.toMatchObject({ status: 400, message: expect.stringContaining('storage.stores.conversations') });
    } finally {
      await bare.close();
    }
  });
});
