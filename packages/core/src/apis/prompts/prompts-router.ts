import { randomBytes } from 'node:crypto';
import {
  type CreatePromptRequest,
  InvalidRequestError,
  type KvStore,
  type ListPromptsResponse,
  NotFoundError,
  type Prompt,
  type PromptsApi,
  type SetDefaultVersionRequest,
  type UpdatePromptRequest,
} from '@cria/api';
import { PromptsStore, type StoredPrompt } from './prompts-store.js';

/** `{{ name }}` placeholders, as Llama Stack's `{{\s*(\w+)\s*}}` (Python's `\w` is Unicode: letters, digits, `_`). */
const PLACEHOLDER = /\{\{\s*([\p{L}\p{N}_]+)\s*\}\}/gu;

/** `pmpt_` and 48 lowercase hex digits (24 random bytes), as Llama Stack's Prompt.generate_prompt_id. */
function newPromptId(): string {
  return `pmpt_${randomBytes(24).toString('hex')}`;
}

/** A list as Python prints it (`['city', 'name']`), so messages read as Llama Stack's. */
function pythonList(names: readonly string[]): string {
  return `[${names.map((name) => `'${name}'`).join(', ')}]`;
}

/**
 * Every placeholder of the template must be declared in `variables` (Llama Stack's
 * Prompt.validate_prompt_variables); declared variables the template does not use are allowed.
 */
function checkVariables(template: string, variables: readonly string[]): void {
  const declared = new Set(variables);
  const undeclared = [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]!))].filter((name) => !declared.has(name)).sort();
  if (undeclared.length) {
    throw new InvalidRequestError(`Prompt contains undeclared variables: ${pythonList(undeclared)}. Declare each {{ placeholder }} of the prompt in variables.`, {
      param: 'variables',
    });
  }
}

function toPrompt(stored: StoredPrompt, defaultVersion: number | undefined): Prompt {
  return {
    prompt_id: stored.prompt_id,
    prompt: stored.prompt ?? null,
    version: stored.version,
    variables: stored.variables ?? [],
    is_default: stored.version === defaultVersion,
  };
}

/**
 * Llama Stack 0.7.1's PromptServiceImpl: versioned prompt templates in the `prompts` kv store.
 * A prompt is created at version 1 and made the default; an update must name the latest version
 * and writes the next one (the default unless `set_as_default: false`); any version can be made
 * the default. Unlike Llama Stack, which answers every error 400 and `is_default: false` except in
 * the versions list, a missing prompt or version is a 404 and `is_default` is always read from
 * the prompt's default key.
 */
export class PromptsRouter implements PromptsApi {
  private store: Promise<PromptsStore | null> | undefined;
  /** Writes to one prompt run one after another, so two updates of one version cannot both win. */
  private readonly writing = new Map<string, Promise<unknown>>();

  /** `openStore` resolves to null when the distribution keeps no prompts. */
  constructor(private readonly openStore: () => Promise<KvStore | null>) {}

  async listPrompts(): Promise<ListPromptsResponse> {
    const store = await this.prompts();
    const data: Prompt[] = [];
    for (const promptId of await store.promptIds()) {
      const defaultVersion = await store.defaultVersion(promptId);
      const stored = defaultVersion === undefined ? undefined : await store.version(promptId, defaultVersion);
      if (stored) data.push(toPrompt(stored, defaultVersion));
    }
    // Llama Stack's order: by prompt id, descending.
    data.sort((a, b) => (a.prompt_id < b.prompt_id ? 1 : a.prompt_id > b.prompt_id ? -1 : 0));
    return { data };
  }

  async listPromptVersions(promptId: string): Promise<ListPromptsResponse> {
    const { versions, defaultVersion } = await (await this.prompts()).versions(promptId);
    if (!versions.length) throw this.promptNotFound(promptId);
    return { data: versions.map((stored) => toPrompt(stored, defaultVersion)).sort((a, b) => a.version - b.version) };
  }

  async getPrompt(promptId: string, version?: number | null): Promise<Prompt> {
    const store = await this.prompts();
    const defaultVersion = await store.defaultVersion(promptId);
    // Version 0 is "the default", as Llama Stack's `if version:` reads it.
    const wanted = version || defaultVersion;
    const stored = wanted === undefined ? undefined : await store.version(promptId, wanted);
    if (!stored) {
      if (version && defaultVersion !== undefined) throw this.versionNotFound(promptId, version, 'version');
      throw this.promptNotFound(promptId);
    }
    return toPrompt(stored, defaultVersion);
  }

  async createPrompt(request: CreatePromptRequest): Promise<Prompt> {
    const variables = request.variables ?? [];
    checkVariables(request.prompt, variables);
    const store = await this.prompts();
    const stored: StoredPrompt = { prompt_id: newPromptId(), prompt: request.prompt, version: 1, variables, is_default: false };
    await store.putVersion(stored);
    await store.setDefaultVersion(stored.prompt_id, stored.version);
    return toPrompt(stored, stored.version);
  }

  async updatePrompt(promptId: string, request: UpdatePromptRequest): Promise<Prompt> {
    const variables = request.variables ?? [];
    return this.serially(promptId, async () => {
      const store = await this.prompts();
      const { versions, defaultVersion } = await store.versions(promptId);
      if (!versions.length) throw this.promptNotFound(promptId);
      const latest = Math.max(...versions.map((stored) => stored.version));
      if (request.version !== latest) {
        throw new InvalidRequestError(
          `'${request.version}' is not the latest prompt version for prompt_id='${promptId}'. Use the latest version '${latest}' in request.`,
          { param: 'version', code: 'stale_prompt_version' },
        );
      }
      // Checked after the version, in Llama Stack's order.
      checkVariables(request.prompt, variables);
      const stored: StoredPrompt = { prompt_id: promptId, prompt: request.prompt, version: latest + 1, variables, is_default: false };
      await store.putVersion(stored);
      const setAsDefault = request.set_as_default ?? true;
      if (setAsDefault) await store.setDefaultVersion(promptId, stored.version);
      return toPrompt(stored, setAsDefault ? stored.version : defaultVersion);
    });
  }

  async deletePrompt(promptId: string): Promise<void> {
    await this.serially(promptId, async () => {
      // As Llama Stack: the prompt must have a default version to be found.
      await this.getPrompt(promptId);
      await (await this.prompts()).deleteAll(promptId);
    });
  }

  async setDefaultVersion(promptId: string, request: SetDefaultVersionRequest): Promise<Prompt> {
    return this.serially(promptId, async () => {
      const store = await this.prompts();
      const stored = await store.version(promptId, request.version);
      if (!stored) {
        if ((await store.versions(promptId)).versions.length === 0) throw this.promptNotFound(promptId);
        throw this.versionNotFound(promptId, request.version, 'version');
      }
      await store.setDefaultVersion(promptId, request.version);
      return toPrompt(stored, request.version);
    });
  }

  /** The store, opened on first use; a 400 when the distribution keeps no prompts. */
  private async prompts(): Promise<PromptsStore> {
    this.store ??= this.openStore().then((kv) => (kv ? new PromptsStore(kv) : null));
    const store = await this.store;
    if (!store) {
      throw new InvalidRequestError('This distribution keeps no prompts: it has no storage.stores.prompts (for example {namespace: prompts, backend: kv_default}) and no kv_default backend.', {
        code: 'prompts_store_not_configured',
      });
    }
    return store;
  }

  private async serially<T>(promptId: string, work: () => Promise<T>): Promise<T> {
    const before = this.writing.get(promptId) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.catch(() => undefined);
    this.writing.set(promptId, settled);
    try {
      return await run;
    } finally {
      if (this.writing.get(promptId) === settled) this.writing.delete(promptId);
    }
  }

  private promptNotFound(promptId: string): NotFoundError {
    return new NotFoundError('prompt', promptId, `Prompt '${promptId}' not found. Use GET /v1/prompts to list the prompts.`, { param: 'prompt_id', code: 'prompt_not_found' });
  }

  private versionNotFound(promptId: string, version: number, param: string): NotFoundError {
    return new NotFoundError('prompt', promptId, `Prompt '${promptId}' has no version ${version}. Use GET /v1/prompts/${promptId}/versions to list its versions.`, {
      param,
      code: 'prompt_version_not_found',
    });
  }
}
