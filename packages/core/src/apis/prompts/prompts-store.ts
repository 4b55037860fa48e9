import type { KvStore } from '@cria/api';

/** A prompt version as Llama Stack's PromptServiceImpl serializes it. */
export interface StoredPrompt {
  prompt_id: string;
  prompt: string | null;
  version: number;
  variables: string[];
  /** Written false, as Llama Stack writes it: the default is the `:default` key, read on every reply. */
  is_default: boolean;
}

const PREFIX = 'prompts:v1:';
/** The end of a key range: every key of the prefix sorts below it (Llama Stack's `prefix + "\xff"`). */
const RANGE_END = '\uffff';

/**
 * Prompts in a kv store under Llama Stack 0.7.1's keys, so a data directory moves between the
 * two: `prompts:v1:<id>:<version>` holds a version's JSON, `prompts:v1:<id>:default` the number of
 * the default version (written as a bare number, the text Llama Stack's `str(version)` stores).
 */
export class PromptsStore {
  constructor(private readonly kv: KvStore) {}

  async version(promptId: string, version: number): Promise<StoredPrompt | undefined> {
    return this.kv.get<StoredPrompt>(`${PREFIX}${promptId}:${version}`);
  }

  async defaultVersion(promptId: string): Promise<number | undefined> {
    const value = await this.kv.get<number | string>(`${PREFIX}${promptId}:default`);
    return value === undefined || value === null ? undefined : Number(value);
  }

  /** Every stored version of a prompt, and its default version. */
  async versions(promptId: string): Promise<{ versions: StoredPrompt[]; defaultVersion: number | undefined }> {
    const prefix = `${PREFIX}${promptId}:`;
    const keys = await this.kv.keysInRange(prefix, prefix + RANGE_END);
    const versions: StoredPrompt[] = [];
    let defaultVersion: number | undefined;
    for (const key of keys) {
      if (key.endsWith(':default')) defaultVersion = await this.defaultVersion(promptId);
      else {
        const stored = await this.kv.get<StoredPrompt>(key);
        if (stored) versions.push(stored);
      }
    }
    return { versions, defaultVersion };
  }

  /** The ids of every prompt that has a default version. */
  async promptIds(): Promise<string[]> {
    const keys = await this.kv.keysInRange(PREFIX, PREFIX + RANGE_END);
    return keys.filter((key) => key.endsWith(':default')).map((key) => key.slice(PREFIX.length, -':default'.length));
  }

  async putVersion(prompt: StoredPrompt): Promise<void> {
    await this.kv.set(`${PREFIX}${prompt.prompt_id}:${prompt.version}`, prompt);
  }

  async setDefaultVersion(promptId: string, version: number): Promise<void> {
    await this.kv.set(`${PREFIX}${promptId}:default`, version);
  }

  /** Deletes every key of the prompt: its versions and its default. */
  async deleteAll(promptId: string): Promise<void> {
    const prefix = `${PREFIX}${promptId}:`;
    for (const key of await this.kv.keysInRange(prefix, prefix + RANGE_END)) await this.kv.delete(key);
  }
}
