import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@cria/testing';

// The official Llama Stack client against Cria's Conversations API: the routes Llama Stack 0.7.1
// serves, with OpenAI's replies (an item's delete answers the conversation, as OpenAI's does).
describe('conversations through llama-stack-client', () => {
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    server = await startTestServer({ distribution: { apis: ['conversations'] } });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('creates, retrieves, updates and deletes a conversation', async () => {
    const conversation = await client.conversations.create({ metadata: { user: 'alpaca' }, items: [{ type: 'message', role: 'user', content: 'Hello' }] });
    expect(conversation).toEqual({ id: expect.stringMatching(/^conv_[0-9a-f]{48}$/), object: 'conversation', created_at: expect.any(Number), metadata: { user: 'alpaca' } });
    expect(await client.conversations.retrieve(conversation.id)).toEqual(conversation);
    expect(await client.conversations.update(conversation.id, { metadata: { user: 'vicuña' } })).toMatchObject({ id: conversation.id, metadata: { user: 'vicuña' } });
    expect(await client.conversations.delete(conversation.id)).toEqual({ id: conversation.id, object: 'conversation.deleted', deleted: true });
    await expect(client.conversations.retrieve(conversation.id)).rejects.toMatchObject({ status: 404, error: { error: { param: 'conversation_id' } } });
  });

  it('adds, lists (with its cursor pages), retrieves and deletes items', async () => {
    const conversation = await client.conversations.create({});
    const added = await client.conversations.items.create(conversation.id, {
      items: [
        { type: 'message', role: 'user', content: 'What is 2 + 2?' },
        { type: 'function_call', call_id: 'call_add', name: 'add', arguments: '{"a":2,"b":2}' },
        { type: 'function_call_output', call_id: 'call_add', output: '4' },
        { type: 'message', role: 'assistant', content: 'It is 4.' },
      ],
    });
    expect(added.data.map((item) => item.type)).toEqual(['message', 'function_call', 'function_call_output', 'message']);

    const ids: string[] = [];
    for await (const item of client.conversations.items.list(conversation.id, { order: 'asc', limit: 3 })) ids.push(item.id!);
    expect(ids).toEqual(added.data.map((item) => item.id));
    const newest = await client.conversations.items.list(conversation.id, { limit: 1 });
    expect(newest.data).toEqual([added.data[3]]);
    expect(newest.has_more).toBe(true);

    expect(await client.conversations.items.get(conversation.id, added.data[2]!.id!)).toEqual(added.data[2]);
    // OpenAI's reply (the conversation); Llama Stack 0.7.1 answers {id, object: 'conversation.item.deleted', deleted}.
    expect(await client.conversations.items.delete(conversation.id, added.data[2]!.id!)).toMatchObject({ id: conversation.id, object: 'conversation' });
    await expect(client.conversations.items.get(conversation.id, added.data[2]!.id!)).rejects.toMatchObject({ status: 404, error: { error: { param: 'item_id' } } });
  });

  it('refuses more than 20 items at a time, naming the field', async () => {
    const conversation = await client.conversations.create({});
    const items = Array.from({ length: 21 }, (_, index) => ({ type: 'message' as const, role: 'user' as const, content: `${index}` }));
    await expect(client.conversations.items.create(conversation.id, { items })).rejects.toMatchObject({ status: 400, error: { error: { param: 'items' } } });
  });
});
