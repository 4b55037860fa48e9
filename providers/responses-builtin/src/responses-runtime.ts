import { type ApiRouters, InvalidRequestError, NotFoundError, type ProviderContext, type RequestContext } from '@cria/api';
import { fileSearchTemplates } from '@cria/provider-tool-runtime-file-search';
import { ResponseRun, type RunObserver } from './responses-engine.js';
import { ResponseTools, type ToolDeps } from './responses-tools.js';
import type { PreparedResponse } from './responses-types.js';

/** The routers a run uses (both providers of this package have at least these). */
export type RuntimeDeps = ApiRouters<'inference', 'models' | 'tool_runtime' | 'vector_io' | 'safety'>;

/**
 * What the Responses and Agents providers share, made once per provider: the routers runs use,
 * the tools' dependencies (with the distribution's file_search templates), and the checks and
 * runs built from them.
 */
export class ResponsesRuntime {
  readonly toolDeps: ToolDeps;

  constructor(readonly deps: RuntimeDeps, context: Pick<ProviderContext, 'vectorStoresConfig'>) {
    this.toolDeps = { toolRuntime: deps.tool_runtime, vectorIo: deps.vector_io, fileSearchTemplates: fileSearchTemplates(context.vectorStoresConfig) };
  }

  /** Checks the model serves chat, a NotFoundError naming `param` when it is not known. */
  async checkModel(model: string, param: string, operation: string): Promise<void> {
    if (!this.deps.models) return;
    try {
      await this.deps.models.routeModel(model, 'llm', operation);
    } catch (error) {
      if (NotFoundError.is(error)) throw new NotFoundError('model', model, error.message, { param, code: 'model_not_found' });
      throw error;
    }
  }

  /**
   * The shields a request names, checked to be registered: ids (Llama Stack's strings or
   * `{type: id}`), or `true` for the distribution's default shield. A 400 naming `param` when the
   * safety API is not served or no default shield is set; a 404 for an unknown shield.
   */
  shieldIds(guardrails: boolean | readonly (string | { type: string })[] | null | undefined, param: string): string[] {
    if (guardrails === undefined || guardrails === null || guardrails === false) return [];
    if (Array.isArray(guardrails) && guardrails.length === 0) return [];
    const safety = this.deps.safety;
    if (!safety) throw new InvalidRequestError(`${param} need the safety API, which this distribution does not serve; remove ${param} or add providers.safety.`, { param });
    let ids: string[];
    if (guardrails === true) {
      if (!safety.defaultShieldId) throw new InvalidRequestError(`${param}: true names the default shield, and the distribution sets no safety.default_shield_id; name the shields.`, { param });
      ids = [safety.defaultShieldId];
    } else {
      ids = (guardrails as readonly (string | { type: string })[]).map((guardrail) => (typeof guardrail === 'string' ? guardrail : guardrail.type));
    }
    safety.assertShields(ids, param);
    return [...new Set(ids)];
  }

  /** A run of a prepared response, with its own tools. */
  run(prepared: PreparedResponse, context: RequestContext, options: { background: boolean; observer?: RunObserver }): ResponseRun {
    const tools = new ResponseTools(this.toolDeps, context);
    return new ResponseRun(prepared, { inference: this.deps.inference, tools, ...(options.observer ? { observer: options.observer } : {}), ...(this.deps.safety ? { safety: this.deps.safety } : {}) }, context, { background: options.background });
  }
}
