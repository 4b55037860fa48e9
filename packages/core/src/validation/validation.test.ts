import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { apiSchemas, InvalidRequestError } from '@cria/api';
import { compileApiValidator, compileSchema } from './validation.js';

describe('validation', () => {
  it('the API schema bundle is valid JSON Schema (validators skip the meta-schema check at start-up)', () => {
    const ajv = new Ajv({ strict: false, discriminator: true });
    expect(ajv.validateSchema(apiSchemas as object), JSON.stringify(ajv.errors)).toBe(true);
  });

  it('names the field at fault in OpenAI\'s words', () => {
    const validate = compileApiValidator('ChatCompletionRequest');
    const failure = (body: unknown) => {
      try {
        validate(body);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidRequestError);
        return { param: (error as InvalidRequestError).param, message: (error as Error).message };
      }
      throw new Error('expected a failure');
    };
    expect(failure({ model: 'm' })).toEqual({ param: 'messages', message: "Missing required parameter: 'messages'." });
    expect(failure({ model: 'm', messages: [{ role: 'robot', content: 'x' }] })).toMatchObject({ param: 'messages[0].role', message: expect.stringContaining("'developer', 'system', 'user'") });
    expect(failure({ model: 'm', messages: [{ role: 'user', content: 5 }] })).toMatchObject({ param: 'messages[0].content', message: expect.stringContaining('expected a string or an array, but got an integer') });
    expect(failure({ model: 'm', messages: [{ role: 'user', content: 'x' }], stop: ['a', 'b', 'c', 'd', 'e'] })).toMatchObject({ param: 'stop', message: expect.stringContaining('maximum length 4') });
    expect(failure({ model: 'm', messages: [{ role: 'user', content: 'x' }], tool_choice: 'sometimes' })).toMatchObject({ param: 'tool_choice', message: expect.stringContaining("'none', 'auto', 'required'") });
    expect(failure({ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' })).toMatchObject({ param: 'temperature', message: expect.stringContaining('expected a number or null, but got a string') });
    expect(validate({ model: 'm', messages: [{ role: 'user', content: 'x' }], vendor_extra: true })).toMatchObject({ vendor_extra: true });
  });

  it('coerces query strings and fills config defaults', () => {
    expect(compileApiValidator('ListChatCompletionsQuery', { coerceTypes: true })({ limit: '5' })).toEqual({ limit: 5 });
    const config: Record<string, unknown> = {};
    expect(compileSchema({ type: 'object', properties: { threads: { type: 'integer', default: 2 } } }, { useDefaults: true })(config)).toBeNull();
    expect(config).toEqual({ threads: 2 });
    expect(compileSchema({ type: 'object', properties: { threads: { type: 'integer' } }, additionalProperties: false })({ thread: 1 })).toEqual({ path: 'thread', message: "Unrecognized request argument supplied: 'thread'." });
  });
});
