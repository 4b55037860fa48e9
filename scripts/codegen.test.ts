import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { GENERATED_TYPES_PATH, generateApiTypes } from './codegen.js';

test('the committed API types match the schemas (run `pnpm codegen` after changing a schema)', async () => {
  const committed = readFileSync(GENERATED_TYPES_PATH, 'utf8');
  expect(committed).toBe(await generateApiTypes());
});

test('the committed request validators match the schemas (run `pnpm codegen` after changing a schema or a route)', async () => {
  const { generateValidators } = await import('./codegen-validators.js');
  for (const { path, source } of await generateValidators()) expect(readFileSync(path, 'utf8'), path).toBe(source);
});
