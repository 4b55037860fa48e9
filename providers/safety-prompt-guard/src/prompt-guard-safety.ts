import { join } from 'node:path';
import {
  type ChatMessage,
  InvalidRequestError,
  type ModerationInput,
  type ModerationResult,
  type ProviderContext,
  type ProviderLifecycle,
  type RequestContext,
  resolveConfigPath,
  type RunShieldResponse,
  type SafetyProvider,
  type ShieldResource,
  UnavailableError,
} from '@cria/api';
import { DEFAULT_MODELS_DIR, type PromptGuardSettings } from './prompt-guard-config.js';
import { loadPromptGuardClassifier, missingModelFiles, type PromptGuardClassifier } from './prompt-guard-model.js';
import { judge, type PromptGuardLabels, promptGuardLabels, type PromptGuardVerdict } from './prompt-guard-scores.js';

/** The models a shield may name as its `provider_shield_id`: Llama Stack's one, and Prompt Guard 2's two. */
export const PROMPT_GUARD_MODELS = ['Prompt-Guard-86M', 'Llama-Prompt-Guard-2-86M', 'Llama-Prompt-Guard-2-22M'] as const;

/** Llama Stack's refusal. */
export const PROMPT_GUARD_USER_MESSAGE = 'Sorry, I cannot do this.';

const CATEGORY_NAMES = { prompt_injection: 'Prompt Injection', jailbreak: 'Jailbreak' } as const;

interface LoadedModel {
  classifier: PromptGuardClassifier;
  labels: PromptGuardLabels;
}

/**
 * `inline::prompt-guard`: Meta's Prompt Guard classifiers, run in this process by transformers.js
 * on onnxruntime-node. A shield's `provider_resource_id` names the model; its folder in the
 * models directory is read on registration (or on the first check, when it appears later).
 * A missing model is a warning at start-up and a 503 naming how to get it.
 */
export class PromptGuardSafety implements SafetyProvider, ProviderLifecycle {
  readonly modelsDir: string;
  private readonly models = new Map<string, Promise<LoadedModel>>();

  constructor(
    private readonly settings: PromptGuardSettings,
    private readonly context: Pick<ProviderContext, 'providerId' | 'logger' | 'distributionDir'>,
    environment: NodeJS.ProcessEnv = process.env,
  ) {
    this.modelsDir = resolveConfigPath(settings.model_dir || environment.CRIA_MODELS_DIR || DEFAULT_MODELS_DIR, context.distributionDir);
  }

  async registerShield(shield: ShieldResource): Promise<void> {
    const model = this.modelName(shield);
    const missing = this.missingFiles(model);
    if (missing) {
      this.context.logger.warn(missing.message);
      return;
    }
    try {
      await this.model(model);
    } catch (error) {
      // Registration goes on: each check answers 503 with the same reason until the files are fixed.
      this.context.logger.warn((error as Error).message);
    }
  }

  async runShield(shield: ShieldResource, messages: readonly ChatMessage[], _params: Readonly<Record<string, unknown>> | null, context: RequestContext): Promise<RunShieldResponse> {
    const last = messages.at(-1);
    if (!last) throw new InvalidRequestError('messages must hold at least one message: Prompt Guard judges the last one.', { param: 'messages' });
    const verdict = await this.judge(shield, messageText(last), context.signal);
    if (!verdict.flagged) return { violation: null };
    return { violation: { violation_level: 'error', user_message: PROMPT_GUARD_USER_MESSAGE, metadata: this.violationMetadata(verdict) } };
  }

  async runModeration(shield: ShieldResource, inputs: readonly ModerationInput[], context: RequestContext): Promise<ModerationResult[]> {
    const results: ModerationResult[] = [];
    for (const input of inputs) {
      const verdict = await this.judge(shield, input.text, context.signal);
      results.push({
        flagged: verdict.flagged,
        categories: { ...verdict.categories },
        category_scores: { ...verdict.scores },
        category_applied_input_types: { prompt_injection: ['text'], jailbreak: ['text'] },
        user_message: verdict.flagged ? PROMPT_GUARD_USER_MESSAGE : null,
        metadata: verdict.flagged ? this.violationMetadata(verdict) : {},
      });
    }
    return results;
  }

  async shutdown(): Promise<void> {
    const loaded = await Promise.allSettled(this.models.values());
    this.models.clear();
    await Promise.all(loaded.map((result) => (result.status === 'fulfilled' ? result.value.classifier.dispose() : undefined)));
  }

  private async judge(shield: ShieldResource, text: string, signal: AbortSignal): Promise<PromptGuardVerdict> {
    const name = this.modelName(shield);
    const missing = this.missingFiles(name);
    if (missing && !this.models.has(name)) throw missing;
    const { classifier, labels } = await this.model(name);
    let segments;
    try {
      segments = await classifier.classify(text, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new UnavailableError(`Prompt Guard model ${name} failed to run: ${(error as Error).message}`, { code: 'model_failed', cause: error });
    }
    return judge(segments, labels, this.settings.guard_type, this.settings.threshold);
  }

  private violationMetadata(verdict: PromptGuardVerdict): Record<string, unknown> {
    const categories = this.settings.guard_type === 'injection' ? [CATEGORY_NAMES.prompt_injection] : [CATEGORY_NAMES.jailbreak];
    return { violation_type: verdict.violationType, categories };
  }

  private modelName(shield: ShieldResource): string {
    const name = shield.provider_resource_id;
    if (!(PROMPT_GUARD_MODELS as readonly string[]).includes(name)) {
      throw new InvalidRequestError(`inline::prompt-guard runs only ${PROMPT_GUARD_MODELS.join(', ')}; shield '${shield.identifier}' names '${name}'.`, {
        param: 'provider_shield_id',
      });
    }
    return name;
  }

  /** The 503 for a model whose files are not all there, or null. */
  private missingFiles(name: string): UnavailableError | null {
    const folder = join(this.modelsDir, name);
    const missing = missingModelFiles(folder);
    if (!missing.length) return null;
    return new UnavailableError(
      `Prompt Guard model ${name} is missing from ${folder} (no ${missing.join(', ')}). ` +
        `Get an ONNX export of meta-llama/${name} from Hugging Face (accept its license there), e.g. ` +
        `\`optimum-cli export onnx --model meta-llama/${name} --task text-classification ${folder}\`, ` +
        `then move model.onnx into ${join(folder, 'onnx')}/; or set the provider's model_dir (CRIA_MODELS_DIR) to a folder that holds ${name}/.`,
      { code: 'model_file_missing' },
    );
  }

  private model(name: string): Promise<LoadedModel> {
    let model = this.models.get(name);
    if (!model) {
      model = this.load(name);
      this.models.set(name, model);
      // A failed load is not kept: the next check tries again (the files may have been fixed).
      model.catch(() => this.models.delete(name));
    }
    return model;
  }

  private async load(name: string): Promise<LoadedModel> {
    const folder = join(this.modelsDir, name);
    let classifier: PromptGuardClassifier;
    try {
      classifier = await loadPromptGuardClassifier(folder);
    } catch (error) {
      throw new UnavailableError(`Prompt Guard model ${name} in ${folder} could not be loaded: ${(error as Error).message}`, { code: 'model_file_invalid', cause: error });
    }
    const labels = promptGuardLabels(classifier.labels);
    if (!labels) {
      await classifier.dispose();
      throw new UnavailableError(
        `Prompt Guard model ${name} in ${folder} has the labels ${classifier.labels.join(', ') || '(none)'}: its config.json's id2label must name ` +
          'BENIGN, INJECTION, JAILBREAK (Prompt Guard) or BENIGN, MALICIOUS (Prompt Guard 2).',
        { code: 'model_file_invalid' },
      );
    }
    try {
      // One run at load, so a graph whose outputs do not match its labels fails at registration.
      await classifier.classify('');
    } catch (error) {
      await classifier.dispose();
      throw new UnavailableError(`Prompt Guard model ${name} in ${folder} does not run: ${(error as Error).message}`, { code: 'model_file_invalid', cause: error });
    }
    this.context.logger.info(`loaded Prompt Guard model ${name} from ${folder}`, { labels: classifier.labels });
    return { classifier, labels };
  }
}

/** The text of a message, its text parts joined by spaces as Llama Stack's interleaved_content_as_str does. */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => (part.type === 'text' ? part.text : part.type === 'refusal' ? part.refusal : null))
    .filter((text): text is string => text !== null)
    .join(' ');
}
