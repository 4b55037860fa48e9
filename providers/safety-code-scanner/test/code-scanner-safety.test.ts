import { afterAll, describe, expect, it } from 'vitest';
import { type ChatMessage, ConfigError, InvalidRequestError, type ShieldResource } from '@cria/api';
import { createTestProvider, temporaryDirectory } from '@cria/testing';
import codeScanner from '../src/index.js';

const FENCE = '```';
const temp = temporaryDirectory('cria-code-scanner-');
afterAll(() => temp.remove());

function shield(providerResourceId = 'code-scanner'): ShieldResource {
  return { type: 'shield', identifier: 'code', provider_id: 'code-scanner', provider_resource_id: providerResourceId, params: {}, source: 'via_register_api', created: 0 };
}

const context = () => ({ signal: new AbortController().signal, providerData: null });

async function provider(config: Record<string, unknown> = {}) {
  return (await createTestProvider(codeScanner, config, { dataDir: temp.dir })).impl;
}

const MD5_MESSAGE = `Hash it like this:\n${FENCE}python\nimport hashlib\nh = hashlib.md5(password.encode()).hexdigest()\n${FENCE}\n`;
const BARE_PYTHON = 'import os\n\ndef ping(host):\n    os.system("ping -c 1 " + host)\n';
const EXEC_CALL = { id: 'call_1', type: 'function' as const, function: { name: 'write_file', arguments: JSON.stringify({ path: 'app.js', content: 'const { exec } = require("child_process");\nexec(`ls ${req.query.dir}`);' }) } };

describe('inline::code-scanner', () => {
  it('accepts the shields code-scanner and code-shield, and refuses others naming provider_shield_id', async () => {
    const impl = await provider();
    await impl.registerShield!(shield('code-scanner'));
    await impl.registerShield!(shield('code-shield'));
    const refused = await impl.registerShield!(shield('llama-guard')).catch((error: unknown) => error);
    expect(InvalidRequestError.is(refused)).toBe(true);
    expect(refused).toMatchObject({ param: 'provider_shield_id' });
    expect((refused as Error).message).toContain("'code-scanner', 'code-shield'");
  });

  it('refuses an unknown min_severity or key at config time', async () => {
    await expect(provider({ min_severity: 'severe' })).rejects.toSatisfy((error) => ConfigError.is(error) && /min_severity/.test((error as Error).message));
    await expect(provider({ rules: [] })).rejects.toSatisfy((error) => ConfigError.is(error));
  });

  it('run-shield: a fenced block, bare code and tool-call arguments each give a violation with rule ids, CWEs, severities and lines', async () => {
    const impl = await provider();
    const messages: ChatMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'Write me a hash.' }] },
      { role: 'assistant', content: MD5_MESSAGE },
      { role: 'user', content: BARE_PYTHON },
      { role: 'assistant', content: null, tool_calls: [EXEC_CALL] },
    ];
    const { violation } = await impl.runShield(shield(), messages, null, context());
    expect(violation).toEqual({
      violation_level: 'error',
      user_message: 'Sorry, I found security concerns in the code.',
      metadata: {
        violation_type: 'python.weak-hash,python.os-system-injection,javascript.child-process-exec-injection',
        categories: ['python.weak-hash', 'python.os-system-injection', 'javascript.child-process-exec-injection'],
        findings: [
          { rule_id: 'python.weak-hash', cwe: 'CWE-328', severity: 'medium', line: 4, message_index: 1 },
          { rule_id: 'python.os-system-injection', cwe: 'CWE-78', severity: 'high', line: 4, message_index: 2 },
          { rule_id: 'javascript.child-process-exec-injection', cwe: 'CWE-78', severity: 'high', line: 2, message_index: 3, tool_call_id: 'call_1', argument: 'content' },
        ],
      },
    });
  });

  it('run-shield: safe code, prose that mentions code, and no messages pass', async () => {
    const impl = await provider();
    const safe: ChatMessage[] = [
      { role: 'user', content: 'Run os.system("rm " + path) to clean up.' },
      { role: 'assistant', content: `${FENCE}python\nimport hashlib\nh = hashlib.sha256(data).hexdigest()\n${FENCE}` },
    ];
    expect(await impl.runShield(shield(), safe, null, context())).toEqual({ violation: null });
    expect(await impl.runShield(shield(), [], null, context())).toEqual({ violation: null });
  });

  it('min_severity leaves out the findings below it', async () => {
    const impl = await provider({ min_severity: 'high' });
    expect(await impl.runShield(shield(), [{ role: 'assistant', content: MD5_MESSAGE }], null, context())).toEqual({ violation: null });
    const { violation } = await impl.runShield(shield(), [{ role: 'assistant', content: MD5_MESSAGE }, { role: 'user', content: BARE_PYTHON }], null, context());
    expect(violation?.metadata.violation_type).toBe('python.os-system-injection');
  });

  it('moderation: one result per input, categories keyed by rule id with the rules described', async () => {
    const impl = await provider();
    const results = await impl.runModeration(shield(), [{ text: MD5_MESSAGE, imageUrls: [] }, { text: 'A plain sentence.', imageUrls: [] }, { text: BARE_PYTHON, imageUrls: [] }], context());
    expect(results).toHaveLength(3);
    expect(results[0]).toEqual({
      flagged: true,
      categories: { 'python.weak-hash': true },
      category_scores: { 'python.weak-hash': 1 },
      category_applied_input_types: { 'python.weak-hash': ['text'] },
      user_message: 'Security concerns detected in the code. WARN: MD5 or SHA-1 is broken for security uses (passwords, signatures, integrity); use SHA-256 or better (or pass usedforsecurity=False)',
      metadata: { violation_type: 'python.weak-hash', findings: [{ rule_id: 'python.weak-hash', cwe: 'CWE-328', severity: 'medium', line: 4 }] },
    });
    expect(results[1]).toEqual({ flagged: false, categories: {}, category_scores: {}, category_applied_input_types: {}, user_message: null, metadata: {} });
    expect(results[2]).toMatchObject({ flagged: true, categories: { 'python.os-system-injection': true }, metadata: { violation_type: 'python.os-system-injection' } });
    expect(results[2]!.user_message).toMatch(/^Security concerns detected in the code\. BLOCK: a shell command built from values/);
  });
});
