import { describe, expect, it } from 'vitest';
import { redactText } from './logger.js';

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
