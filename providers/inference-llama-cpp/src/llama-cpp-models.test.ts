import { expect, it } from 'vitest';
import { loadLlama, releaseLlama } from './llama-cpp-models.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

it('disposes the shared binding when the last provider holding it lets go', async () => {
  const first = { logger: silent };
  const second = { logger: silent };
  const llama = await loadLlama({ gpu: false }, first);
  expect(await loadLlama({ gpu: false }, second)).toBe(llama);
  await releaseLlama(first);
  expect(llama.disposed).toBe(false);
  // Letting go twice changes nothing.
  await releaseLlama(first);
  expect(llama.disposed).toBe(false);
  await releaseLlama(second);
  expect(llama.disposed).toBe(true);
  const again = await loadLlama({ gpu: false }, first);
  expect(again).not.toBe(llama);
  await releaseLlama(first);
  expect(again.disposed).toBe(true);
});
