import { sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationError, UpstreamError } from '@cria/api';

/** The OAuth scope Vertex AI needs. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** A token is renewed this long before it expires, so no request goes out with one about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** A key file of application-default credentials: a service account's key, or `gcloud auth application-default login`'s. */
type CredentialsFile =
  | { type: 'service_account'; client_email: string; private_key: string; private_key_id?: string; token_uri?: string }
  | { type: 'authorized_user'; client_id: string; client_secret: string; refresh_token: string; token_uri?: string };

/** Where application-default credentials are looked for, first one found: GOOGLE_APPLICATION_CREDENTIALS, then gcloud's file. */
export function applicationDefaultCredentialsPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const paths: string[] = [];
  if (env.GOOGLE_APPLICATION_CREDENTIALS) paths.push(env.GOOGLE_APPLICATION_CREDENTIALS);
  const configDir = env.CLOUDSDK_CONFIG ?? (process.platform === 'win32' && env.APPDATA ? join(env.APPDATA, 'gcloud') : join(homedir(), '.config', 'gcloud'));
  paths.push(join(configDir, 'application_default_credentials.json'));
  return paths;
}

const NO_CREDENTIALS =
  'No Google application-default credentials: set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run `gcloud auth application-default login`' +
  ' (or set access_token / VERTEX_AI_ACCESS_TOKEN, or pass vertex_access_token in X-LlamaStack-Provider-Data).';

function base64Url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/**
 * Access tokens from application-default credentials, as Google's libraries find them (the key
 * file's `token_uri` is honoured): one token cached and renewed five minutes before it expires;
 * concurrent callers share one renewal. The file is read when a token is first needed, so a
 * server starts without credentials and reports them missing through health and requests.
 */
export class GoogleAccessTokens {
  private cached: { token: string; expiresAt: number } | null = null;
  private renewal: Promise<string> | null = null;

  constructor(private readonly scope: string = CLOUD_PLATFORM_SCOPE) {}

  async token(): Promise<string> {
    if (this.cached && this.cached.expiresAt - REFRESH_MARGIN_MS > Date.now()) return this.cached.token;
    this.renewal ??= this.renew().finally(() => {
      this.renewal = null;
    });
    return this.renewal;
  }

  private async renew(): Promise<string> {
    const credentials = await this.credentialsFile();
    const tokenUri = credentials.token_uri || GOOGLE_TOKEN_URI;
    const form: Record<string, string> = credentials.type === 'service_account'
      ? { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: this.assertion(credentials, tokenUri) }
      : { grant_type: 'refresh_token', client_id: credentials.client_id, client_secret: credentials.client_secret, refresh_token: credentials.refresh_token };
    let response: Response;
    try {
      response = await fetch(tokenUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form), signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      throw new UpstreamError('vertexai', `could not reach Google's token endpoint ${tokenUri}: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    let reply: { access_token?: string; expires_in?: number; error?: string; error_description?: string } = {};
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      // the status says what went wrong
    }
    if (!response.ok || !reply.access_token) {
      const reason = reply.error_description ?? reply.error ?? (text.slice(0, 200) || `status ${response.status}`);
      throw new AuthenticationError(`Google's token endpoint refused the application-default credentials (${response.status}): ${reason}`);
    }
    this.cached = { token: reply.access_token, expiresAt: Date.now() + (reply.expires_in ?? 3600) * 1000 };
    return reply.access_token;
  }

  private async credentialsFile(): Promise<CredentialsFile> {
    for (const path of applicationDefaultCredentialsPaths()) {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        if (path === process.env.GOOGLE_APPLICATION_CREDENTIALS) throw new AuthenticationError(`GOOGLE_APPLICATION_CREDENTIALS names ${path}, which cannot be read. ${NO_CREDENTIALS}`);
        continue;
      }
      let parsed: Partial<CredentialsFile> & { type?: string };
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        throw new AuthenticationError(`The credentials file ${path} is not JSON.`);
      }
      if (parsed.type === 'service_account' || parsed.type === 'authorized_user') return parsed as CredentialsFile;
      throw new AuthenticationError(`The credentials file ${path} is of type '${String(parsed.type)}'; only service_account and authorized_user files are read.`);
    }
    throw new AuthenticationError(NO_CREDENTIALS);
  }

  /** The signed JWT a service account trades for an access token (RFC 7523). */
  private assertion(key: Extract<CredentialsFile, { type: 'service_account' }>, tokenUri: string): string {
    const issuedAt = Math.floor(Date.now() / 1000);
    const header = base64Url(JSON.stringify({ alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) }));
    const claims = base64Url(JSON.stringify({ iss: key.client_email, scope: this.scope, aud: tokenUri, iat: issuedAt, exp: issuedAt + 3600 }));
    const signature = sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), key.private_key);
    return `${header}.${claims}.${base64Url(signature)}`;
  }
}
