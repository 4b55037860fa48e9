import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { redactText } from './logger.js';

describe('createLogger', () => {
  it('writes a URL field as its text, credentials redacted, and a line whose fields cannot be read without them', () => {
    // In a child process: the logger writes to file descriptor 2.
    const script = `
      import { createLogger } from '@cria/core';
      const logger = createLogger('test', 0);
      logger.warn('a url', { endpoint: new URL('http://user:hunter2@127.0.0.1:9/mcp?api_key=k-123') });
      logger.warn('a field that throws', { odd: { get password() { throw new Error('no password here'); } } });
    `;
    const { stderr } = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: import.meta.dirname, encoding: 'utf8' });
    const lines = stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ level: 'warn', scope: 'test', message: 'a url', endpoint: 'http://user:[redacted]@127.0.0.1:9/mcp?api_key=[redacted]' });
    expect(lines[1]).toMatchObject({ level: 'warn', scope: 'test', message: 'a field that throws', log_fields_error: 'no password here' });
  });
});

describe('redactText', () => {
  it('hides bearer tokens, sk- keys and key=value secrets written into text', () => {
    expect(redactText('Incorrect API key provided: sk-proj-abcdef0123456789')).toBe('Incorrect API key provided: [redacted]');
    expect(redactText('sent Authorization: Bearer eyJhbGciOi.x-y_z')).toBe('sent Authorization: Bearer [redacted]');
    expect(redactText('{"api_key": "k-123", "model": "m"}')).toBe('{"api_key": "[redacted]", "model": "m"}');
    expect(redactText('password=hunter2 user=bob')).toBe('password=[redacted] user=bob');
  });

  it('leaves text without secrets as it is', () => {
    expect(redactText('the upstream answered 503 for model llama-3 (sketchy-model)')).toBe('the upstream answered 503 for model llama-3 (sketchy-model)');
  });
});
