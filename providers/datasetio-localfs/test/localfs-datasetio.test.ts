import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, startTestServer, type TestServer } from '@cria/testing';
import { decodeDataUri, type ResolvedSource, sourceRows, takePage } from '../src/index.js';

const QA_ROWS = [
  { input_query: 'What is 2+2?', expected_answer: '4', generated_answer: '4' },
  { input_query: 'Capital of France?', expected_answer: 'Paris', generated_answer: 'Lyon' },
  { input_query: 'Color of the sky?', expected_answer: 'blue', generated_answer: 'blue' },
];

function distribution(dataDir: string, allowedDir: string): Record<string, unknown> {
  return {
    providers: {
      datasetio: [{ provider_id: 'localfs', provider_type: 'inline::localfs', config: { kvstore: { backend: 'kv_default' }, allowed_dirs: [allowedDir] } }],
      files: [{ provider_id: 'files', provider_type: 'inline::localfs', config: { storage_dir: join(dataDir, 'files'), metadata_store: { backend: 'sql_default' } } }],
    },
    registered_resources: {
      datasets: [{ dataset_id: 'configured-qa', purpose: 'eval/question-answer', source: { type: 'rows', rows: QA_ROWS } }],
    },
  };
}

const allRows = async (rows: AsyncIterable<Record<string, unknown>>) => {
  const collected: Record<string, unknown>[] = [];
  for await (const row of rows) collected.push(row);
  return collected;
};

describe('inline::localfs row readers', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cria-localfs-rows-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads CSV (quoted cells, a BOM) from a start index', async () => {
    const path = join(dir, 'qa.csv');
    writeFileSync(path, '\uFEFFinput_query,expected_answer\n"Hello, world",1\nsecond,"two\nlines"\nthird,3\n');
    const source: ResolvedSource = { kind: 'path', path, format: 'csv' };
    expect(await allRows(sourceRows(source, null, 0, 10))).toEqual([
      { input_query: 'Hello, world', expected_answer: '1' },
      { input_query: 'second', expected_answer: 'two\nlines' },
      { input_query: 'third', expected_answer: '3' },
    ]);
    expect(await allRows(sourceRows(source, null, 2, 10))).toEqual([{ input_query: 'third', expected_answer: '3' }]);
  });

  it('reads JSON arrays (top level, or under rows/data) element by element', async () => {
    const array: ResolvedSource = { kind: 'bytes', bytes: Buffer.from(JSON.stringify(QA_ROWS)), format: 'json' };
    expect(await allRows(sourceRows(array, null, 1, 10))).toEqual(QA_ROWS.slice(1));
    const wrapped: ResolvedSource = { kind: 'bytes', bytes: Buffer.from(JSON.stringify({ rows: QA_ROWS })), format: 'json' };
    expect(await allRows(sourceRows(wrapped, null, 0, 10))).toEqual(QA_ROWS);
    const scalar: ResolvedSource = { kind: 'bytes', bytes: Buffer.from('"not rows"'), format: 'json' };
    await expect(allRows(sourceRows(scalar, null, 0, 10))).rejects.toMatchObject({ param: 'source.uri' });
  });

  it('reads Parquet by row range (int64 as numbers)', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'question', data: Array.from({ length: 250 }, (_, index) => `q${index}`), type: 'STRING' },
        { name: 'answer', data: Array.from({ length: 250 }, (_, index) => BigInt(index)), type: 'INT64' },
      ],
      rowGroupSize: 100,
    });
    const path = join(dir, 'qa.parquet');
    writeFileSync(path, Buffer.from(buffer));
    const page = await takePage(sourceRows({ kind: 'path', path, format: 'parquet' }, null, 198, 3), 3);
    expect(page).toEqual({ data: [{ question: 'q198', answer: 198 }, { question: 'q199', answer: 199 }, { question: 'q200', answer: 200 }], has_more: true });
    const last = await takePage(sourceRows({ kind: 'path', path, format: 'parquet' }, null, 248, 5), 5);
    expect(last).toEqual({ data: [{ question: 'q248', answer: 248 }, { question: 'q249', answer: 249 }], has_more: false });
  });

  it('streams JSONL: a page is read without reading the file to its end', async () => {
    // A broken line far past the page: reading the page must not reach it.
    const path = join(dir, 'large.jsonl');
    const lines = Array.from({ length: 60_000 }, (_, index) => JSON.stringify({ index, text: `row ${index} ${'x'.repeat(40)}` }));
    writeFileSync(path, `${lines.join('\n')}\n{broken\n`);
    const source: ResolvedSource = { kind: 'path', path, format: 'jsonl' };
    const page = await takePage(sourceRows(source, null, 1000, 5), 5);
    expect(page.data.map((row) => row.index)).toEqual([1000, 1001, 1002, 1003, 1004]);
    expect(page.has_more).toBe(true);
    await expect(allRows(sourceRows(source, null, 59_999, 5))).rejects.toMatchObject({ param: 'source.uri', message: expect.stringContaining('line 60001') });
  });

  it('decodes data: URIs, base64 and percent-encoded', () => {
    expect(decodeDataUri(`data:text/csv;base64,${Buffer.from('a,b\n1,2\n').toString('base64')}`)).toEqual({ mediaType: 'text/csv', bytes: Buffer.from('a,b\n1,2\n') });
    expect(decodeDataUri('data:application/jsonl,%7B%22a%22%3A1%7D').bytes.toString()).toBe('{"a":1}');
  });
});

describe('inline::localfs through /v1beta/datasets and /v1beta/datasetio (llama-stack-client)', () => {
  let dataDir: string;
  let allowedDir: string;
  let outsideDir: string;
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cria-localfs-data-'));
    allowedDir = mkdtempSync(join(tmpdir(), 'cria-localfs-allowed-'));
    outsideDir = mkdtempSync(join(tmpdir(), 'cria-localfs-outside-'));
    writeFileSync(join(allowedDir, 'qa.jsonl'), QA_ROWS.map((row) => JSON.stringify(row)).join('\n'));
    writeFileSync(join(allowedDir, 'qa.csv'), 'input_query,expected_answer\nq1,a1\nq2,a2\n');
    writeFileSync(join(outsideDir, 'secret.csv'), 'password\nhunter2\n');
    server = await startTestServer({ distribution: distribution(dataDir, allowedDir), dataDir });
    client = new LlamaStackClient({ baseURL: server.url });
  });

  afterAll(async () => {
    await server?.close();
    for (const dir of [dataDir, allowedDir, outsideDir]) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the distribution\'s datasets and gets one', async () => {
    const listed = await client.beta.datasets.list();
    expect(listed.map((dataset) => dataset.identifier)).toContain('configured-qa');
    const dataset = await client.beta.datasets.retrieve('configured-qa');
    expect(dataset).toMatchObject({ identifier: 'configured-qa', provider_id: 'localfs', type: 'dataset', purpose: 'eval/question-answer', source: { type: 'rows' } });
  });

  it('registers a JSONL file by path and pages through it', async () => {
    const dataset = await client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: join(allowedDir, 'qa.jsonl') }, dataset_id: 'qa-jsonl' });
    expect(dataset).toMatchObject({ identifier: 'qa-jsonl', provider_id: 'localfs', provider_resource_id: 'qa-jsonl' });
    expect(await client.beta.datasets.iterrows('qa-jsonl', { start_index: 0, limit: 2 })).toEqual({ data: QA_ROWS.slice(0, 2), has_more: true });
    expect(await client.beta.datasets.iterrows('qa-jsonl', { start_index: 2, limit: 2 })).toEqual({ data: QA_ROWS.slice(2), has_more: false });
    expect(await client.beta.datasets.iterrows('qa-jsonl')).toEqual({ data: QA_ROWS, has_more: false });
    expect(await client.beta.datasets.iterrows('qa-jsonl', { limit: -1, start_index: 1 })).toEqual({ data: QA_ROWS.slice(1), has_more: false });
  });

  it('registers a file:// CSV, a data: URI and an uploaded file, with generated ids', async () => {
    const csv = await client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: pathToFileURL(join(allowedDir, 'qa.csv')).href } });
    expect(csv.identifier).toMatch(/^dataset-[0-9a-f-]{36}$/);
    expect((await client.beta.datasets.iterrows(csv.identifier)).data).toEqual([{ input_query: 'q1', expected_answer: 'a1' }, { input_query: 'q2', expected_answer: 'a2' }]);

    const dataUri = `data:text/csv;base64,${Buffer.from('question,answer\nwhy,because\n').toString('base64')}`;
    const inline = await client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: dataUri }, dataset_id: 'from-data-uri' });
    expect((await client.beta.datasets.iterrows(inline.identifier)).data).toEqual([{ question: 'why', answer: 'because' }]);

    const form = new FormData();
    form.append('purpose', 'assistants');
    form.append('file', new Blob([JSON.stringify(QA_ROWS)], { type: 'application/json' }), 'qa.json');
    const upload = (await (await fetch(`${server.url}/v1/files`, { method: 'POST', body: form })).json()) as { id: string };
    expect(upload.id).toMatch(/^file-/);
    await client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: upload.id }, dataset_id: 'from-upload' });
    expect(await client.beta.datasets.iterrows('from-upload', { start_index: 1, limit: 1 })).toEqual({ data: [QA_ROWS[1]], has_more: true });
  });

  it('appends rows after the source\'s, kept across a restart, dropped on unregister', async () => {
    await client.beta.datasets.register({ purpose: 'eval/messages-answer', source: { type: 'rows', rows: [{ messages: [{ role: 'user', content: 'hi' }], answer: 'hello' }] }, dataset_id: 'growing' });
    await client.beta.datasets.appendrows('growing', { rows: [{ messages: [], answer: 'two' }, { messages: [], answer: 'three' }] });
    await client.beta.datasets.appendrows('growing', { rows: [{ messages: [], answer: 'four' }] });
    const page = await client.beta.datasets.iterrows('growing', { start_index: 1, limit: 2 });
    expect(page).toEqual({ data: [{ messages: [], answer: 'two' }, { messages: [], answer: 'three' }], has_more: true });

    await server.close();
    server = await startTestServer({ distribution: distribution(dataDir, allowedDir), dataDir });
    client = new LlamaStackClient({ baseURL: server.url });
    expect((await client.beta.datasets.iterrows('growing')).data.map((row) => row.answer)).toEqual(['hello', 'two', 'three', 'four']);
    expect((await client.beta.datasets.iterrows('qa-jsonl', { start_index: 2, limit: 5 })).data).toEqual(QA_ROWS.slice(2));

    await client.beta.datasets.unregister('growing');
    expect(await clientFailure(client.beta.datasets.retrieve('growing'))).toMatchObject({ status: 404, error: { param: 'dataset_id' } });
    await client.beta.datasets.register({ purpose: 'eval/messages-answer', source: { type: 'rows', rows: [{ messages: [], answer: 'fresh' }] }, dataset_id: 'growing' });
    expect((await client.beta.datasets.iterrows('growing')).data).toEqual([{ messages: [], answer: 'fresh' }]);
  });

  it('answers 4xx naming the field for bad input', async () => {
    expect(await clientFailure(client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: join(outsideDir, 'secret.csv') } }))).toMatchObject({
      status: 400,
      error: { param: 'source.uri', message: expect.stringContaining('allowed_dirs') },
    });
    expect(await clientFailure(client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: join(allowedDir, 'missing.csv') } }))).toMatchObject({ status: 400, error: { param: 'source.uri' } });
    expect(await clientFailure(client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: join(allowedDir, 'notes.xlsx') } }))).toMatchObject({ status: 400, error: { param: 'source.uri' } });
    expect(await clientFailure(client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: 'file-doesnotexist' } }))).toMatchObject({ status: 404 });
    expect(await clientFailure(client.beta.datasets.register({ purpose: 'train' as never, source: { type: 'rows', rows: [] } }))).toMatchObject({ status: 400, error: { param: expect.stringContaining('purpose') } });
    expect(await clientFailure(client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'rows', rows: [] }, metadata: { provider_id: 'nope' } }))).toMatchObject({
      status: 400,
      error: { param: 'metadata.provider_id' },
    });
    expect(await clientFailure(client.beta.datasets.iterrows('no-such-dataset'))).toMatchObject({ status: 404, error: { param: 'dataset_id' } });
    expect(await clientFailure(client.beta.datasets.iterrows('configured-qa', { start_index: -1 }))).toMatchObject({ status: 400, error: { param: expect.stringContaining('start_index') } });
    expect(await clientFailure(client.beta.datasets.appendrows('configured-qa', { rows: [] }))).toMatchObject({ status: 400, error: { param: expect.stringContaining('rows') } });
    expect(await clientFailure(client.beta.datasets.appendrows('configured-qa', { rows: ['x' as never] }))).toMatchObject({ status: 400, error: { param: expect.stringContaining('rows') } });
  });
});
