import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';

/** A real Chroma server: the Rust server of the `chromadb-js-bindings` package (what `npx chroma run` starts), on a free port. */
export interface ChromaServer {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The binding holding Chroma's server, or null: it is built for linux-x64 (glibc) only, so the
 * workspace installs it as an optional dependency of its root and other machines go without.
 */
export function chromaServerBinding(): string | null {
  try {
    return createRequire(import.meta.url).resolve('chromadb-js-bindings-linux-x64-gnu');
  } catch {
    return null;
  }
}

/** Starts Chroma keeping its data in `dataDir`, resolving once its heartbeat answers. */
export async function startChromaServer(dataDir: string): Promise<ChromaServer> {
  const binding = chromaServerBinding();
  if (!binding) throw new Error('chromadb-js-bindings-linux-x64-gnu is not installed (it exists for linux-x64 only)');
  const port = await freePort();
  const script = `require(${JSON.stringify(binding)}).cli(['chroma', 'run', '--path', ${JSON.stringify(dataDir)}, '--host', '127.0.0.1', '--port', '${port}'])`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Chroma exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${url}/api/v2/heartbeat`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Chroma did not answer on ${url} within 30 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
