import { STATUS_CODES } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { createOtlpNetworkExportDelegate, OTLPExporterError, type ExportResponse, type IExporterTransport, type IOtlpExportDelegate } from '@opentelemetry/otlp-exporter-base';
import type { IExporterMetricsHelper, ISerializer } from '@opentelemetry/otlp-transformer';
import { Agent } from 'undici';

const gzipAsync = promisify(gzip);

/** The SDK's limit on a collector's answer. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** The SDK's retries (its retrying transport): 5 more attempts, 1 s backoff growing 1.5x to 5 s, ±20% jitter, within the export's timeout. */
const MAX_RETRIES = 5;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;

/** What the SDK retries: the OTLP/HTTP spec's retryable statuses, and network faults (with undici's names for them). */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const USER_AGENT = 'Cria-OTLP-Exporter (undici)';

/** The settings of one OTLP/HTTP endpoint, as the SDK's configuration resolves them from its options and the OTEL_* variables. */
export interface OtlpHttpEndpoint {
  /** The signal's full URL (`http://host:4318/v1/traces`). */
  url: string;
  /** OTEL_EXPORTER_OTLP_*HEADERS with the signal's content type. */
  headers: () => Promise<Record<string, string>>;
  compression: 'gzip' | 'none';
}

/** Retry-After in ms, read as the SDK reads it: seconds, or an HTTP date. */
function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text == null) return undefined;
  const seconds = Number.parseInt(text, 10);
  if (Number.isInteger(seconds)) return seconds > 0 ? seconds * 1000 : -1;
  const delay = new Date(text).getTime() - Date.now();
  return delay >= 0 ? delay : 0;
}

/**
 * OTLP over HTTP on undici, with the SDK transport's semantics (headers, gzip, retries with
 * backoff and Retry-After within the timeout, the answer's size limit, OTLPExporterError). The
 * SDK's transport runs node:http's client, whose code the server's own requests share: running
 * both made that shared code slower for every request (measured in the note on issue 13).
 */
export class UndiciOtlpTransport implements IExporterTransport {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000 });
  private readonly origin: string;
  private readonly path: string;

  constructor(private readonly endpoint: OtlpHttpEndpoint) {
    const url = new URL(endpoint.url);
    this.origin = url.origin;
    this.path = url.pathname + url.search;
  }

  async send(payload: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const deadline = Date.now() + timeoutMillis;
    let backoff = INITIAL_BACKOFF_MS;
    let result = await this.attempt(payload, timeoutMillis);
    for (let retries = MAX_RETRIES; result.status === 'retryable' && retries > 0; retries--) {
      const jittered = Math.max(Math.min(backoff * (1 + Math.random() * 2 * JITTER - JITTER), MAX_BACKOFF_MS), 0);
      backoff *= BACKOFF_MULTIPLIER;
      const wait = result.retryInMillis ?? jittered;
      if (wait > deadline - Date.now()) return result;
      await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 0)));
      result = await this.attempt(payload, deadline - Date.now());
    }
    return result;
  }

  private async attempt(payload: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const headers: Record<string, string> = { ...(await this.endpoint.headers()), 'User-Agent': USER_AGENT };
    let body = payload;
    if (this.endpoint.compression === 'gzip') {
      body = await gzipAsync(payload);
      headers['Content-Encoding'] = 'gzip';
    }
    try {
      const reply = await this.agent.request({ origin: this.origin, path: this.path, method: 'POST', headers, body, signal: AbortSignal.timeout(Math.max(timeoutMillis, 1)) });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of reply.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          reply.body.destroy();
          return { status: 'failure', error: new Error(`OTLP export response body exceeded size limit of ${MAX_RESPONSE_BYTES} bytes`) };
        }
        chunks.push(chunk);
      }
      const answer = Buffer.concat(chunks);
      if (reply.statusCode <= 299) return { status: 'success', data: answer };
      if (RETRYABLE_STATUSES.has(reply.statusCode)) return { status: 'retryable', retryInMillis: retryAfterMs(reply.headers['retry-after']) };
      return { status: 'failure', error: new OTLPExporterError(STATUS_CODES[reply.statusCode] ?? `HTTP ${reply.statusCode}`, reply.statusCode, answer.toString()) };
    } catch (error) {
      const failure = error as Error & { code?: string };
      const retryable = failure.name === 'TimeoutError' || (typeof failure.code === 'string' && RETRYABLE_NETWORK_CODES.has(failure.code));
      return retryable ? { status: 'retryable', error: failure } : { status: 'failure', error: failure };
    }
  }

  shutdown(): void {
    void this.agent.close();
  }
}

/**
 * The export delegate of an OTLP/HTTP exporter: for an `http:` endpoint, the SDK's delegate
 * (queue, concurrency limit, timeout, its own metrics) over the undici transport; for `https:`,
 * the SDK's delegate with its node:http transport, which reads the OTEL_*_CERTIFICATE variables.
 */
export async function otlpHttpExportDelegate<Internal, Response>(
  options: { url?: string },
  signal: 'TRACES' | 'METRICS',
  contentType: string,
  serializer: ISerializer<Internal, Response>,
  componentType: string,
  exporterMetricsHelper: IExporterMetricsHelper<Internal>,
): Promise<IOtlpExportDelegate<Internal>> {
  const http = await import('@opentelemetry/otlp-exporter-base/node-http');
  const resolved = http.convertLegacyHttpOptions(options, signal, signal === 'TRACES' ? 'v1/traces' : 'v1/metrics', { 'Content-Type': contentType });
  if (new URL(resolved.url).protocol !== 'http:') return http.createOtlpHttpExportDelegate(resolved, serializer, componentType, exporterMetricsHelper, undefined);
  const metrics = http.createOtlpHttpExporterMetrics(componentType, exporterMetricsHelper, resolved.url, undefined);
  return createOtlpNetworkExportDelegate(resolved, serializer, metrics, new UndiciOtlpTransport(resolved));
}
