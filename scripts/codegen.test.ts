import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { GENERATED_TYPES_PATH, generateApiTypes } from './codegen.js';

test('the committed API types match the schemas (run `pnpm codegen` after changing a schema)', async () => {
  const committed = readFileSync(GENERATED_TYPES_PATH, 'utf8');
  expect(committed).toBe(await generateApiTypes());
});
