/**
 * The floor for `pnpm bench gateway`: the least a Node proxy can do for a chat completion (node:http
 * in, one JSON.parse, undici out, one JSON.stringify back), no framework, no validation, no store.
 * Cria's CPU per request is reported beside this one.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } } });
const upstream = new URL(values.upstream!);
const pool = new Pool(upstream.origin, { connections: 256 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const reply = await pool.request({ origin: upstream.origin, path: `${upstream.pathname}/chat/completions`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const completion = JSON.parse(await reply.body.text()) as Record<string, unknown>;
      const text = JSON.stringify(completion);
      res.writeHead(reply.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    } catch {
      res.writeHead(502).end();
    }
  });
});
server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address() as { port: number };
  console.log(`reference proxy listening on http://127.0.0.1:${address.port}`);
});
