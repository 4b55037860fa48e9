import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCriaError, type ProviderLifecycle, type RequestContext, type ToolDef, type ToolInvocationResult, type ToolRuntimeProvider, type ToolSource } from '@cria/api';
import { compileApiValidator } from '@cria/core';

/** A tool runtime provider under test, and a call of one of its tools that succeeds. */
export interface ToolRuntimeContractTarget {
  provider: ToolRuntimeProvider & ProviderLifecycle;
  /** The group or server to list and invoke (as the router would pass it). */
  source: ToolSource;
  /** A tool the source lists, with arguments it accepts. */
  invocation: { toolName: string; kwargs: Record<string, unknown> };
  /** The request's context (provider data with credentials, say); an unaborted one without provider data by default. */
  context?: RequestContext;
  close(): Promise<void>;
}

/**
 * The contract every tool runtime provider passes, called directly as the router calls it: it
 * lists ToolDefs with a name, a description and an object input schema (without `toolgroup_id`,
 * which the router sets), answers a call with a ToolInvocationResult, and refuses a tool it does
 * not have (a Cria error, or a result with a non-zero `error_code`).
 */
export function describeToolRuntimeContract(name: string, setup: () => Promise<ToolRuntimeContractTarget>): void {
  describe(`tool runtime contract: ${name}`, () => {
    let target: ToolRuntimeContractTarget;
    let context: RequestContext;
    const validateToolDef = compileApiValidator<ToolDef>('ToolDef');
    const validateResult = compileApiValidator<ToolInvocationResult>('ToolInvocationResult');

    beforeAll(async () => {
      target = await setup();
      context = target.context ?? { signal: new AbortController().signal, providerData: null };
    });
    afterAll(async () => {
      await target?.provider.shutdown?.();
      await target?.close();
    });

    it('lists tools with a name, a description and an object input_schema', async () => {
      const tools = await target.provider.listRuntimeTools(target.source, context);
      expect(tools.length).toBeGreaterThan(0);
      for (const tool of tools) {
        expect(() => validateToolDef(tool)).not.toThrow();
        expect(tool.name).toMatch(/\S/);
        expect(typeof tool.description).toBe('string');
        expect(tool.input_schema).toMatchObject({ type: 'object' });
        expect(tool.toolgroup_id ?? null).toBeNull();
      }
      expect(tools.map((tool) => tool.name)).toContain(target.invocation.toolName);
      // Callers set toolgroup_id on what they get: a second listing is not changed by it.
      tools[0]!.toolgroup_id = 'changed-by-the-caller';
      expect((await target.provider.listRuntimeTools(target.source, context))[0]!.toolgroup_id ?? null).toBeNull();
    });

    it('invokes a tool and answers a ToolInvocationResult', async () => {
      const result = await target.provider.invokeTool(target.source, target.invocation.toolName, target.invocation.kwargs, context);
      expect(() => validateResult(result)).not.toThrow();
      expect(result.error_code ?? 0).toBe(0);
      expect(result.content).toBeTruthy();
    });

    it('refuses a tool it does not have', async () => {
      const outcome = await target.provider.invokeTool(target.source, 'no_such_tool_in_the_contract', {}, context).then(
        (result) => ({ result, error: null }),
        (error: unknown) => ({ result: null, error }),
      );
      if (outcome.error) expect(isCriaError(outcome.error)).toBe(true);
      else {
        expect(typeof outcome.result!.error_code).toBe('number');
        expect(outcome.result!.error_code).not.toBe(0);
      }
    });
  });
}
