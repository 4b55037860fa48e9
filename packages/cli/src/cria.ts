#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, CORE_APIS, CriaError, PROVIDER_APIS } from '@cria/api';
import { builtinCatalog } from './cli-catalog.js';
import { listDistributions } from './cli-distributions.js';
import { CRIA_VERSION, startCria } from './cli-run.js';

const USAGE = `cria ${CRIA_VERSION}: an OpenAI- and Llama Stack-compatible server composed from providers

Usage:
  cria run <distribution name | path.yaml> [--port N] [--host H] [--env KEY=VALUE ...]
  cria list-apis
  cria list-providers [api]
  cria list                      the distributions shipped with Cria
  cria pull <uri> [--models-dir D]  download a GGUF model (hf:<owner>/<repo>[:<quant>], hf:<owner>/<repo>/<file.gguf>
                                 or an https URL) into the models directory (CRIA_MODELS_DIR, ~/.cria/models)
  cria models [--models-dir D]   the models downloaded so far
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

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      env: { type: 'string', multiple: true },
      'models-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.version) {
    process.stdout.write(`${CRIA_VERSION}\n`);
    return 0;
  }
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 1;
  }
  switch (command) {
    case 'run': {
      const target = rest[0] ?? 'starter';
      const env = parseEnv(values.env ?? []);
      Object.assign(process.env, env);
      const port = values.port !== undefined ? Number(values.port) : undefined;
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new ConfigError('--port', `not a port: ${values.port}`);
      const running = await startCria({ distribution: target, env, ...(port !== undefined ? { port } : {}), ...(values.host ? { host: values.host } : {}) });
      const providers = running.stack.providers.map((instance) => `${instance.providerId} (${instance.providerType})`);
      process.stderr.write(
        `Cria ${CRIA_VERSION} serving '${running.distribution.name}' on ${running.url}\n` +
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
    case 'list-apis': {
      process.stdout.write(`${table([['API', 'KIND'], ...PROVIDER_APIS.map((api) => [api, 'providers']), ...CORE_APIS.map((api) => [api, 'core'])])}\n`);
      return 0;
    }
    case 'list-providers': {
      const api = rest[0];
      if (api && !(PROVIDER_APIS as readonly string[]).includes(api)) throw new ConfigError('', `unknown API '${api}' (one of ${PROVIDER_APIS.join(', ')})`);
      const catalog = builtinCatalog();
      const rows = [['API', 'PROVIDER TYPE', 'PACKAGE', 'DESCRIPTION']];
      for (const entry of catalog.list(api)) {
        const spec = await entry.load();
        rows.push([entry.api, entry.providerType, entry.source, spec.description]);
      }
      process.stdout.write(`${table(rows)}\n`);
      return 0;
    }
    case 'list': {
      const rows = [['NAME', 'DESCRIPTION', 'PATH'], ...listDistributions().map((listing) => [listing.name, listing.description, listing.path])];
      process.stdout.write(`${table(rows)}\n`);
      return 0;
    }
    case 'pull': {
      if (!rest[0]) throw new ConfigError('', 'cria pull needs a model URI, e.g. cria pull hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M');
      // Model management loads the llama.cpp provider; `cria run` must not pay for it.
      const { modelsDirectory, pullModel } = await import('./cli-models.js');
      return pullModel(rest[0], { modelsDir: modelsDirectory(values['models-dir']) });
    }
    case 'models': {
      const { formatLocalModels, listLocalModels, modelsDirectory } = await import('./cli-models.js');
      const modelsDir = modelsDirectory(values['models-dir']);
      process.stdout.write(formatLocalModels(modelsDir, listLocalModels(modelsDir)));
      return 0;
    }
    default:
      process.stderr.write(`unknown command '${command}'\n\n${USAGE}`);
      return 1;
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CriaError) process.stderr.write(`error: ${error.message}\n`);
    else process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
