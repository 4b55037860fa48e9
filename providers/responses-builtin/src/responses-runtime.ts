import { type ApiRouters, NotFoundError, type ProviderContext, type RequestContext } from '@cria/api';
import { fileSearchTemplates } from '@cria/provider-tool-runtime-file-search';
import { ResponseRun, type RunObserver } from './responses-engine.js';
import { ResponseTools, type ToolDeps } from './responses-tools.js';
import type { PreparedResponse } from './responses-types.js';

/** The routers a run uses (both providers of this package have at least these). */
export type RuntimeDeps = ApiRouters<'inference', 'models' | 'tool_runtime' | 'vector_io'>;

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

  /** A run of a prepared response, with its own tools. */
  run(prepared: PreparedResponse, context: RequestContext, options: { background: boolean; observer?: RunObserver }): ResponseRun {
    const tools = new ResponseTools(this.toolDeps, context);
    return new ResponseRun(prepared, { inference: this.deps.inference, tools, ...(options.observer ? { observer: options.observer } : {}) }, context, { background: options.background });
  }
}
