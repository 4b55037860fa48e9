import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';

// The built `cria` command, as a user runs it (`pnpm install` builds it).
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');
const dataDir = mkdtempSync(join(tmpdir(), 'cria-cli-'));
const env = { ...process.env, SQLITE_STORE_DIR: dataDir, CRIA_LOG_LEVEL: 'warn' };

function cria(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('cria CLI', () => {
  it('prints its version, the APIs, the providers and the distributions', () => {
    expect(cria('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const apis = cria('list-apis').stdout;
    expect(apis).toMatch(/inference\s+yes\s+providers\s+inline::llama-cpp, inline::sentence-transformers, inline::transformers, remote::anthropic, remote::azure, remote::bedrock, remote::cerebras, remote::databricks, remote::fireworks, remote::gemini, remote::groq/);
    expect(apis).toMatch(/inference\s+yes\s+providers\s.*remote::nvidia, remote::ollama, remote::openai, remote::passthrough, remote::runpod, remote::sambanova, remote::together, remote::vertexai, remote::vllm, remote::watsonx/);
    expect(apis).toMatch(/models\s+yes\s+core \(routes to inference providers\)/);
    const vectorIO = /^vector_io\s+yes\s+providers\s+(.*)$/m.exec(apis)?.[1]?.split(', ');
    expect(vectorIO).toEqual(expect.arrayContaining(['inline::faiss', 'inline::milvus', 'inline::sqlite-vec', 'remote::chromadb', 'remote::elasticsearch', 'remote::infinispan', 'remote::milvus', 'remote::pgvector', 'remote::qdrant', 'remote::weaviate']));
    expect(apis).toMatch(/safety\s+yes\s+providers\s+inline::code-scanner, inline::llama-guard, inline::prompt-guard, remote::passthrough/);
    expect(apis).toMatch(/datasetio\s+yes\s+providers\s+inline::localfs, remote::huggingface/);
    expect(apis).toMatch(/scoring\s+yes\s+providers\s+inline::basic, inline::braintrust, inline::llm-as-judge/);
    const providers = cria('list-providers', 'inference');
    expect(providers.status).toBe(0);
    expect(providers.stdout).toMatch(/inference\s+remote::vllm\s+@cria\/provider-inference-vllm/);
    expect(providers.stdout).toMatch(/inference\s+remote::openai\s+@cria\/provider-inference-openai\s/);
    expect(providers.stdout).toMatch(/inference\s+remote::passthrough\s+@cria\/provider-inference-passthrough/);
    // The environment column: the sample config's ${env.X} references and what a provider reads itself.
    expect(providers.stdout).toMatch(/remote::groq\s+@cria\/provider-inference-groq\s+GROQ_API_KEY\s/);
    expect(providers.stdout).toMatch(/inline::llama-cpp\s+@cria\/provider-inference-llama-cpp\s+\S*CRIA_MODELS_DIR, HF_TOKEN/);
    const markdown = cria('list-providers', '--markdown');
    expect(markdown.stdout).toMatch(/^\| API \| PROVIDER TYPE \| PACKAGE \| ENVIRONMENT \| DESCRIPTION \|$/m);
    expect(markdown.stdout).toMatch(/^\| telemetry \| inline::meta-reference \| @cria\/provider-telemetry-meta-reference \| OTEL_EXPORTER_OTLP_ENDPOINT, /m);
    expect(cria('list').stdout).toMatch(/starter\s+Cria's embedded default/);
    const unknown = cria('list-providers', 'nonsense');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("unknown API 'nonsense'");
  });

  it('fails at start-up with the YAML path and line of a bad key', () => {
    const file = join(dataDir, 'bad.yaml');
    writeFileSync(file, 'version: 2\nproviders:\n  inference:\n    - provider_id: v\n      provider_type: remote::vllm\n      config:\n        base_url: http://x\n        max_tokens: lots\n');
    const result = cria('run', file, '--port', '0');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('error: providers.inference[0].config.max_tokens: Invalid type');
    expect(result.stderr).toContain('bad.yaml:8');
    const missingEnv = join(dataDir, 'env.yaml');
    writeFileSync(missingEnv, 'version: 2\nproviders:\n  inference:\n    - provider_id: v\n      provider_type: remote::vllm\n      config:\n        base_url: ${env.CRIA_TEST_UNSET_URL}\n');
    expect(cria('run', missingEnv).stderr).toMatch(/providers\.inference\[0\]\.config\.base_url: environment variable 'CRIA_TEST_UNSET_URL' is not set/);
    expect(cria('run', 'no-such-distribution').stderr).toMatch(/no distribution 'no-such-distribution'.*starter/);
  });

  it('runs the starter with nothing configured, serves health, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [cli, 'run', 'starter', '--port', '0', '--host', '127.0.0.1', '--env', 'CRIA_TEST=1'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    // A failed assertion must not leave the server running.
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // The banner names the address listened on, then the URL to use.
        const match = stderr.match(/serving 'starter' on 127\.0\.0\.1:\d+ \((http:\/\/127\.0\.0\.1:\d+)\)/);
        if (match) resolve(match[1]!);
      });
      child.once('exit', () => reject(new Error(stderr)));
    });
    const health = await request(`${url}/v1/health`);
    expect(await health.body.json()).toEqual({ status: 'OK' });
    const models = await request(`${url}/v1/models`);
    expect(models.statusCode).toBe(200);
    // The in-process code scanner is a shield from the start; Llama Guard waits for SAFETY_MODEL.
    const shields = (await (await request(`${url}/v1/shields`)).body.json()) as { data: { identifier: string }[] };
    expect(shields.data.map((shield) => shield.identifier)).toEqual(['code-scanner']);
    const scan = await request(`${url}/v1/safety/run-shield`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ shield_id: 'code-scanner', messages: [{ role: 'assistant', content: '```python\nimport os\nos.system("rm -rf " + user_input)\n```' }] }),
    });
    expect(((await scan.body.json()) as { violation: { violation_level: string } | null }).violation?.violation_level).toBe('error');
    // The starter serves batches (inline::reference).
    const batches = await request(`${url}/v1/batches`);
    expect(await batches.body.json()).toEqual({ object: 'list', data: [], has_more: false });
    // Telemetry: Prometheus' metrics count the requests above; no OTEL_* variable, so no trace store query.
    const metrics = await request(`${url}/metrics`);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(await metrics.body.text()).toMatch(/^cria_http_requests_total\{method="GET",route="\/v1\/health",status="200"\} 1$/m);
    expect((await request(`${url}/v1/telemetry/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).statusCode).toBe(400);
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  });

  it('is reachable as `pnpm cria` from the repository root', () => {
    const result = spawnSync('pnpm', ['--silent', 'cria', '--version'], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
