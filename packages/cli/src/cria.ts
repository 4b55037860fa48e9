#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, isCriaError } from '@cria/api';
import { CRIA_VERSION } from './cli-version.js';

const USAGE = `cria ${CRIA_VERSION}: an OpenAI- and Llama Stack-compatible server composed from providers

Usage:
  cria run <distribution name | path.yaml> [--port N] [--host H] [--env KEY=VALUE ...]
  cria list-apis                 the APIs, whether this build serves them, and their providers
  cria list-providers [api] [--markdown]
  cria list                      the distributions shipped with Cria
  cria new-provider <dir> --api inference --type remote::<name>|inline::<name> [--package <npm name>]
                                 write a provider package (an echo to start from) with its contract test
  cria new-api <dir> --name <api> [--package <npm name>]
                                 write an API package (routes, schemas, router, contract suite, a provider)
  cria --version
`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const index = pair.indexOf('=');
    if (index <= 0) throw new ConfigError('--env', `expected KEY=VALUE, got '${pair}'`);
    env[pair.slice(0, index)] = pair.slice(index + 1);
  }
  return env;
}

async function serve(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { port: { type: 'string' }, host: { type: 'string' }, env: { type: 'string', multiple: true } } });
  const { startCria } = await import('./cli-run.js');
  const env = parseEnv(values.env ?? []);
  Object.assign(process.env, env);
  const port = values.port !== undefined ? Number(values.port) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new ConfigError('--port', `not a port: ${values.port}`);
  const running = await startCria({ distribution: positionals[0] ?? 'starter', env, ...(port !== undefined ? { port } : {}), ...(values.host ? { host: values.host } : {}) });
  const providers = running.stack.providers.map((instance) => `${instance.providerId} (${instance.providerType})`);
  const everywhere = running.listenAddress.startsWith('0.0.0.0:') || running.listenAddress.startsWith('[::]:');
  process.stderr.write(
    `Cria ${CRIA_VERSION} serving '${running.distribution.name}' on ${running.listenAddress}${everywhere ? ` (all interfaces; ${running.url} from this machine)` : ` (${running.url})`}\n` +
      `  APIs: ${[...running.stack.served.keys()].join(', ')}\n` +
      `  providers: ${providers.length ? providers.join(', ') : 'none enabled (set OLLAMA_URL, VLLM_URL, OPENAI_API_KEY, ... to enable them)'}\n`,
  );
  const stop = (signal: string) => {
    process.stderr.write(`\n${signal}: shutting down\n`);
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return -1;
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${CRIA_VERSION}\n`);
    return 0;
  }
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    const { builtinCatalog } = await import('./cli-catalog.js');
    const contributed = builtinCatalog().listCommands().map((entry) => `  cria ${(entry.usage ?? entry.name).padEnd(29)}${entry.description}\n`);
    process.stdout.write(`${USAGE}${contributed.length ? `\nFrom provider packages:\n${contributed.join('')}` : ''}`);
    return command ? 0 : 1;
  }
  switch (command) {
    case 'run':
      return serve(rest);
    case 'list-apis': {
      const { listApis } = await import('./cli-inspect.js');
      process.stdout.write(`${table(await listApis())}\n`);
      return 0;
    }
    case 'list-providers': {
      const { listProviders, markdownTable } = await import('./cli-inspect.js');
      const markdown = rest.includes('--markdown');
      const rows = await listProviders(rest.find((argument) => !argument.startsWith('--')));
      process.stdout.write(`${markdown ? markdownTable(rows) : table(rows)}\n`);
      return 0;
    }
    case 'new-provider':
    case 'new-api': {
      const { scaffold } = await import('./cli-scaffold.js');
      return scaffold(command, rest, { stdout: process.stdout, stderr: process.stderr });
    }
    case 'list': {
      const { listDistributions } = await import('./cli-distributions.js');
      process.stdout.write(`${table([['NAME', 'DESCRIPTION', 'PATH'], ...listDistributions().map((listing) => [listing.name, listing.description, listing.path])])}\n`);
      return 0;
    }
    default: {
      const { builtinCatalog } = await import('./cli-catalog.js');
      const contributed = builtinCatalog().command(command);
      if (contributed) return (await contributed.load()).run(rest, { stdout: process.stdout, stderr: process.stderr });
      process.stderr.write(`unknown command '${command}'\n\n${USAGE}`);
      return 1;
    }
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (isCriaError(error)) process.stderr.write(`error: ${error.message}\n`);
    else process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
