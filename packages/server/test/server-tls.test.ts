import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';

// server.tls_certfile / tls_keyfile serve HTTPS, as in Llama Stack.
describe('TLS', () => {
  const temp = temporaryDirectory();
  let server: TestServer;

  beforeAll(async () => {
    const cert = join(temp.dir, 'cert.pem');
    const key = join(temp.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    server = await startTestServer({ dataDir: temp.dir, distribution: { server: { tls_certfile: cert, tls_keyfile: key } } });
  });
  afterAll(async () => {
    await server?.close();
    temp.remove();
  });

  it('answers over HTTPS', async () => {
    expect(server.url.startsWith('https://')).toBe(true);
    const response = await request(`${server.url}/v1/health`, { dispatcher: new Agent({ connect: { rejectUnauthorized: false } }) });
    expect(await response.body.json()).toEqual({ status: 'OK' });
  });
});
