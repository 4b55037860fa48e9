import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPExporterBase, OTLPExporterError } from '@opentelemetry/otlp-exporter-base';
import { TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { otlpHttpExportDelegate, UndiciOtlpTransport } from './otlp-undici-transport.js';

interface ReceivedExport {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A collector whose answers the tests script, one handler per request in order (the last repeats). */
class ScriptedCollector {
  readonly received: ReceivedExport[] = [];
  answers: ((res: ServerResponse) => void)[] = [];
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<ScriptedCollector> {
    let collector: ScriptedCollector | undefined;
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        collector!.received.push({ path: req.url ?? '', headers: req.headers, body: req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw });
        const answers = collector!.answers;
        (answers.length > 1 ? answers.shift()! : answers[0]!)(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    collector = new ScriptedCollector(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return collector;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const ok = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
const payload = new Uint8Array([10, 3, 1, 2, 3]);
const noHeaders = async () => ({ 'Content-Type': 'application/x-protobuf' });

describe('UndiciOtlpTransport', () => {
  let collector: ScriptedCollector;
  beforeAll(async () => {
    collector = await ScriptedCollector.start();
  });
  afterAll(() => collector.close());
  afterEach(() => {
    collector.received.length = 0;
    collector.answers = [ok];
  });

  it('posts the payload with the configured headers, gzipped when compression is gzip', async () => {
    collector.answers = [ok];
    const transport = new UndiciOtlpTransport({ url: `${collector.url}/v1/traces?tenant=a`, headers: async () => ({ 'Content-Type': 'application/x-protobuf', 'x-api-key': 'k1' }), compression: 'gzip' });
    const result = await transport.send(payload, 5000);
    transport.shutdown();
    expect(result.status).toBe('success');
    expect(collector.received).toHaveLength(1);
    const [sent] = collector.received;
    expect(sent!.path).toBe('/v1/traces?tenant=a');
    expect(sent!.headers).toMatchObject({ 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', 'x-api-key': 'k1' });
    expect(sent!.headers['user-agent']).toMatch(/OTLP-Exporter/);
    expect([...sent!.body]).toEqual([...payload]);
  });

  it('retries a retryable status after Retry-After, and succeeds when the collector does', async () => {
    const busy = (res: ServerResponse) => res.writeHead(503, { 'retry-after': '0' }).end();
    collector.answers = [busy, busy, ok];
    const transport = new UndiciOtlpTransport({ url: `${collector.url}/v1/traces`, headers: noHeaders, compression: 'none' });
    const result = await transport.send(payload, 5000);
    transport.shutdown();
    expect(result.status).toBe('success');
    expect(collector.received).toHaveLength(3);
  });

  it('does not retry past the timeout: a Retry-After beyond it ends the export as retryable', async () => {
    collector.answers = [(res) => res.writeHead(429, { 'retry-after': '30' }).end()];
    const transport = new UndiciOtlpTransport({ url: `${collector.url}/v1/traces`, headers: noHeaders, compression: 'none' });
    const started = Date.now();
    const result = await transport.send(payload, 2000);
    transport.shutdown();
    expect(result).toMatchObject({ status: 'retryable', retryInMillis: 30_000 });
    expect(collector.received).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('fails without retrying on another status, with the SDK\'s OTLPExporterError', async () => {
    collector.answers = [(res) => res.writeHead(400, { 'content-type': 'text/plain' }).end('bad payload')];
    const transport = new UndiciOtlpTransport({ url: `${collector.url}/v1/traces`, headers: noHeaders, compression: 'none' });
    const result = await transport.send(payload, 5000);
    transport.shutdown();
    expect(result.status).toBe('failure');
    const error = (result as { error: OTLPExporterError }).error;
    expect(error).toBeInstanceOf(OTLPExporterError);
    expect(error).toMatchObject({ code: 400, data: 'bad payload', message: 'Bad Request' });
    expect(collector.received).toHaveLength(1);
  });

  it('ends an attempt at the timeout when the collector does not answer', async () => {
    collector.answers = [() => undefined];
    const transport = new UndiciOtlpTransport({ url: `${collector.url}/v1/traces`, headers: noHeaders, compression: 'none' });
    const started = Date.now();
    const result = await transport.send(payload, 300);
    transport.shutdown();
    expect(result.status).toBe('retryable');
    expect((result as { error: Error }).error.name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('treats a refused connection as retryable, retrying within the timeout', async () => {
    const down = await ScriptedCollector.start();
    const url = `${down.url}/v1/traces`;
    await down.close();
    const transport = new UndiciOtlpTransport({ url, headers: noHeaders, compression: 'none' });
    const started = Date.now();
    const result = await transport.send(payload, 2500);
    transport.shutdown();
    expect(result.status).toBe('retryable');
    expect((result as { error: Error & { code?: string } }).error.code).toBe('ECONNREFUSED');
    // The first retry waits about 1 s; retrying stops when the next wait would pass the timeout.
    expect(Date.now() - started).toBeGreaterThan(700);
    expect(Date.now() - started).toBeLessThan(3500);
  });

  it('fails on an answer over the SDK\'s 4 MiB limit', async () => {
    collector.answers = [(res) => res.writeHead(200).end(Buffer.alloc(5 * 1024 * 1024))];
    const transport = new UndiciOtlpTransport({ url: `${collector.url}/v1/traces`, headers: noHeaders, compression: 'none' });
    const result = await transport.send(payload, 5000);
    transport.shutdown();
    expect(result.status).toBe('failure');
    expect((result as { error: Error }).error.message).toMatch(/exceeded size limit/);
  });
});

describe('otlpHttpExportDelegate', () => {
  let collector: ScriptedCollector;
  const saved = { ...process.env };
  beforeAll(async () => {
    collector = await ScriptedCollector.start();
    collector.answers = [ok];
  });
  afterAll(async () => {
    process.env = saved;
    await collector.close();
  });

  it('exports through undici to an http: endpoint with the OTEL_EXPORTER_OTLP_* headers and compression', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'authorization=Bearer%20t0k,x-tenant=acme';
    process.env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION = 'gzip';
    const serializer = { serializeRequest: () => payload, deserializeResponse: () => ({}) };
    const delegate = await otlpHttpExportDelegate({}, 'TRACES', 'application/x-protobuf', serializer, 'otlp_http_span_exporter', TraceExporterMetricsHelper);
    const exporter = new OTLPExporterBase(delegate);
    const result = await new Promise<ExportResult>((resolve) => exporter.export([], resolve));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const [sent] = collector.received;
    expect(sent!.path).toBe('/v1/traces');
    expect(sent!.headers).toMatchObject({ authorization: 'Bearer t0k', 'x-tenant': 'acme', 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(sent!.headers['user-agent']).toMatch(/^Cria-OTLP-Exporter/);
    expect([...sent!.body]).toEqual([...payload]);
  });
});
