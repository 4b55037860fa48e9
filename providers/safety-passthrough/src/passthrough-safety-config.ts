import { ConfigError, type JsonSchema } from '@cria/api';

/**
 * `remote::passthrough` safety settings: Llama Stack's PassthroughSafetyConfig (`base_url`,
 * `api_key`, `forward_headers`, `extra_blocked_headers`) plus Cria's `timeout_seconds`, `mode` and
 * `moderations_format`.
 */
export interface PassthroughSafetyConfig {
  /** The downstream service's base URL, with its version path (`https://safety.example.com/v1`). */
  base_url: string;
  /** The downstream key, sent as `Authorization: Bearer`; takes precedence over a request's `passthrough_api_key`. */
  api_key?: string | null;
  /**
   * Provider-data keys forwarded as HTTP headers, `{provider_data_key: Header-Name}` (e.g.
   * `{"maas_api_token": "Authorization"}`); only listed keys are forwarded, their values as sent.
   */
  forward_headers?: Record<string, string> | null;
  /** Header names forward_headers may not set, besides the connection, body and proxy headers always blocked. */
  extra_blocked_headers: string[];
  /** Seconds a downstream call may take before it fails with 504. */
  timeout_seconds: number;
  /**
   * How shields run (Cria's extension): `moderations` posts the messages' texts to
   * `{base_url}/moderations` (Llama Stack's behaviour); `run-shield` posts the conversation to
   * `{base_url}/safety/run-shield` of another Llama Stack or Cria server and returns its violation.
   * Moderations always go to `{base_url}/moderations`.
   */
  mode: 'moderations' | 'run-shield';
  /**
   * The request shape of `/moderations` (Cria's extension): `openai` sends `{input, model}`;
   * `llama-api` sends Llama API's `{messages, model}`, one request per moderation input.
   * Replies are read in either shape (`categories` or `flagged_categories`).
   */
  moderations_format: 'openai' | 'llama-api';
}

export const configSchema: JsonSchema = {
  type: 'object',
  required: ['base_url'],
  properties: {
    base_url: { type: 'string', pattern: '^https?://', description: 'Base URL of the downstream safety service, with its version path (e.g. https://safety.example.com/v1).' },
    api_key: { type: ['string', 'null'], description: 'API key for the downstream safety service; takes precedence over the passthrough_api_key of a request.' },
    forward_headers: {
      anyOf: [{ type: 'object', additionalProperties: { type: 'string' } }, { type: 'null' }],
      description:
        'Provider-data keys forwarded as outbound headers: {"maas_api_token": "Authorization"}. Only listed keys are forwarded. Keys starting with __ and security-sensitive headers (Host, Content-Type, Content-Length, Transfer-Encoding, Cookie, Connection, proxy and forwarding headers) are refused.',
    },
    extra_blocked_headers: { type: 'array', items: { type: 'string' }, default: [], description: 'More header names forward_headers may not set (case-insensitive).' },
    timeout_seconds: { type: 'number', exclusiveMinimum: 0, default: 30, description: 'Seconds a downstream call may take.' },
    mode: {
      type: 'string',
      enum: ['moderations', 'run-shield'],
      default: 'moderations',
      description: 'moderations: shields post the texts to {base_url}/moderations; run-shield: shields post the conversation to {base_url}/safety/run-shield of another Llama Stack or Cria server.',
    },
    moderations_format: {
      type: 'string',
      enum: ['openai', 'llama-api'],
      default: 'openai',
      description: "The /moderations request shape: openai ({input, model}) or llama-api ({messages, model}, Llama API's).",
    },
  },
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  base_url: '${env.PASSTHROUGH_SAFETY_URL}',
  api_key: '${env.PASSTHROUGH_SAFETY_API_KEY:=}',
};

/** The `X-LlamaStack-Provider-Data` fields read: the downstream key, and any key `forward_headers` names. */
export const providerDataSchema: JsonSchema = {
  type: 'object',
  properties: {
    passthrough_api_key: { type: 'string', description: 'The key for the downstream safety service, when the distribution sets none.' },
  },
  additionalProperties: { description: 'The keys forward_headers names, sent as the headers it maps them to.' },
};

/** Headers forward_headers may never set: framing, connection, cookies, and the proxy and forwarding headers downstreams trust. */
export const BLOCKED_FORWARD_HEADERS: readonly string[] = [
  'host', 'content-type', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'cookie', 'set-cookie',
  'forwarded', 'proxy-authorization', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-prefix', 'x-real-ip',
];

/** An HTTP field name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The forward_headers mapping as `[provider data key, header name]`, checked; a bad entry is a ConfigError naming it. */
export function checkedForwardHeaders(config: PassthroughSafetyConfig): (readonly [string, string])[] {
  const blocked = new Set(BLOCKED_FORWARD_HEADERS);
  config.extra_blocked_headers.forEach((name, index) => {
    if (!name.trim()) throw new ConfigError('', `extra_blocked_headers[${index}] is an empty header name`);
    blocked.add(name.trim().toLowerCase());
  });
  const mapping: (readonly [string, string])[] = [];
  for (const [key, header] of Object.entries(config.forward_headers ?? {})) {
    const name = header.trim();
    if (key.startsWith('__')) throw new ConfigError('', `forward_headers.${key}: the provider data key '${key}' uses the reserved __ prefix`);
    if (!HEADER_NAME.test(name)) throw new ConfigError('', `forward_headers.${key}: '${header}' is not a valid HTTP header name`);
    if (blocked.has(name.toLowerCase())) throw new ConfigError('', `forward_headers.${key}: the header '${name}' may not be forwarded (security-sensitive)`);
    mapping.push([key, name]);
  }
  return mapping;
}
