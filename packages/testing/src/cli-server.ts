import { type ChildProcess, spawn } from 'node:child_process';
import { onTestFinished } from 'vitest';

/** A `cria run` in a child process. */
export interface CliServer {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** What the process has written to stderr so far. */
  stderr(): string;
}

/**
 * Runs `node <cliPath> run <configPath>` on 127.0.0.1 and a free port (for tests that kill the
 * server: kill -9, restarts); resolves with its URL once it serves. The process is killed when
 * the test ends, if it still runs.
 */
export async function startCliServer(cliPath: string, configPath: string, options: { cwd: string; env?: Readonly<Record<string, string | undefined>> }): Promise<CliServer> {
  // `env` overrides the test process's environment; an undefined value removes a variable.
  const env: Record<string, string | undefined> = { ...process.env, CRIA_LOG_LEVEL: 'warn', ...options.env };
  for (const name of Object.keys(env)) if (env[name] === undefined) delete env[name];
  const child = spawn(process.execPath, [cliPath, 'run', configPath, '--port', '0', '--host', '127.0.0.1'], { cwd: options.cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = stderr.match(/serving '[^']+' on \S+ \((http:\/\/[^)\s]+)\)/);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`cria exited (${code}): ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}
