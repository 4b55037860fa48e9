import { type Completion, type CompletionRequest, InvalidRequestError, type RequestContext } from '@cria/api';
import { LlamaCompletion, type Token } from 'node-llama-cpp';
import { checkedTokens, contextLimitError, type FinishReason, finishReasonOf, type LlamaCppRuntime, newId, nowSeconds, sampledSince, usage } from './llama-cpp-inference-common.js';
import type { LoadedModel, ModelSlot } from './llama-cpp-models.js';
import { rejectUnsupported, type Sampling, samplingFor } from './llama-cpp-request.js';
import { streamGeneration } from './llama-cpp-stream.js';

/** One (prompt, choice) of a completion request. */
interface CompletionJob {
  tokens: Token[];
  echo: string;
  seedOffset: number;
}

interface PreparedCompletion {
  slot: ModelSlot;
  loaded: LoadedModel;
  jobs: CompletionJob[];
  sampling: Sampling;
  maxTokens: number;
  promptTokens: number;
}

/**
 * Legacy text completions: every prompt (text or tokens) times `n` choices, run on up to
 * `parallel_sequences` sequences at once, streamed or not.
 */
export class LlamaCppCompletions {
  constructor(private readonly runtime: LlamaCppRuntime) {}

  async completion(request: CompletionRequest, context: RequestContext): Promise<Completion> {
    const prepared = await this.prepare(request);
    const texts: string[] = new Array(prepared.jobs.length).fill('');
    const finishes: FinishReason[] = new Array(prepared.jobs.length).fill('stop');
    const completionTokens = await this.runJobs(prepared, context.signal, (job, text) => (texts[job] += text), (job, reason) => (finishes[job] = reason));
    return {
      id: newId('cmpl'),
      object: 'text_completion',
      created: nowSeconds(),
      model: request.model,
      choices: prepared.jobs.map((job, index) => ({ index, text: (request.echo ? job.echo : '') + texts[index], finish_reason: finishes[index]!, logprobs: null })),
      usage: usage(prepared.promptTokens, completionTokens),
      system_fingerprint: null,
    };
  }

  async streamCompletion(request: CompletionRequest, context: RequestContext): Promise<AsyncIterable<Completion>> {
    const prepared = await this.prepare(request);
    const id = newId('cmpl');
    const created = nowSeconds();
    const chunk = (choices: Completion['choices'], extra: Partial<Completion> = {}): Completion => ({ id, object: 'text_completion', created, model: request.model, choices, system_fingerprint: null, ...extra });
    return streamGeneration<Completion>(context.signal, async (queue, signal) => {
      if (request.echo) prepared.jobs.forEach((job, index) => queue.push(chunk([{ index, text: job.echo, finish_reason: null, logprobs: null }])));
      const completionTokens = await this.runJobs(
        prepared,
        signal,
        (job, text) => queue.push(chunk([{ index: job, text, finish_reason: null, logprobs: null }])),
        (job, reason) => queue.push(chunk([{ index: job, text: '', finish_reason: reason, logprobs: null }])),
      );
      if (request.stream_options?.include_usage) queue.push(chunk([], { usage: usage(prepared.promptTokens, completionTokens) }));
    });
  }

  private async prepare(request: CompletionRequest): Promise<PreparedCompletion> {
    rejectUnsupported(request);
    const slot = this.runtime.slot(request.model);
    const loaded = await slot.load();
    const model = loaded.model;
    const prompt = request.prompt;
    const prompts: (string | number[])[] =
      typeof prompt === 'string' ? [prompt] : prompt.length > 0 && typeof prompt[0] === 'number' ? [prompt as number[]] : (prompt as (string | number[])[]);
    if (prompts.length === 0) throw new InvalidRequestError('prompt must not be empty.', { param: 'prompt' });
    const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null;
    const n = request.n ?? 1;
    const requested = request.max_tokens ?? 16;
    const jobs: CompletionJob[] = [];
    let promptTokens = 0;
    prompts.forEach((item, promptIndex) => {
      const param = typeof prompt === 'string' || typeof prompt[0] === 'number' ? 'prompt' : `prompt[${promptIndex}]`;
      const tokens = typeof item === 'string' ? model.tokenize(item, false, bos ? 'trimLeadingSpace' : undefined) : checkedTokens(model, item, param);
      const count = tokens.length + (bos ? 1 : 0);
      if (count + requested > loaded.contextSize) throw contextLimitError(loaded.contextSize, count, requested, 'max_tokens');
      promptTokens += count;
      const echo = typeof item === 'string' ? item : model.detokenize(tokens);
      for (let choice = 0; choice < n; choice++) jobs.push({ tokens, echo, seedOffset: choice });
    });
    return { slot, loaded, jobs, sampling: samplingFor(request, model), maxTokens: requested, promptTokens };
  }

  /**
   * Runs every (prompt, choice) job of a completion request on up to `parallel_sequences`
   * sequences at once; returns the tokens sampled in all.
   */
  private async runJobs(
    prepared: PreparedCompletion,
    signal: AbortSignal,
    onText: (job: number, text: string) => void,
    onFinish: (job: number, reason: FinishReason) => void,
  ): Promise<number> {
    const lease = await prepared.slot.acquireSequences(Math.min(prepared.jobs.length, this.runtime.settings.parallel_sequences), signal);
    let next = 0;
    let sampled = 0;
    const { sampling } = prepared;
    try {
      await Promise.all(
        lease.sequences.map(async (sequence) => {
          const completion = new LlamaCompletion({ contextSequence: sequence });
          try {
            while (next < prepared.jobs.length) {
              const jobIndex = next++;
              const job = prepared.jobs[jobIndex]!;
              const before = sequence.tokenMeter.getState();
              const result = await completion.generateCompletionWithMeta(job.tokens, {
                signal,
                maxTokens: prepared.maxTokens,
                temperature: sampling.temperature,
                topP: sampling.topP,
                ...(sampling.seed !== undefined ? { seed: sampling.seed + job.seedOffset } : {}),
                ...(sampling.customStopTriggers ? { customStopTriggers: sampling.customStopTriggers } : {}),
                ...(sampling.tokenBias ? { tokenBias: sampling.tokenBias } : {}),
                repeatPenalty: sampling.repeatPenalty,
                onTextChunk: (text) => onText(jobIndex, text),
              });
              sampled += sampledSince(sequence, before);
              onFinish(jobIndex, finishReasonOf(result.metadata.stopReason, false));
            }
          } finally {
            completion.dispose({ disposeSequence: false });
          }
        }),
      );
      return sampled;
    } finally {
      lease.release();
    }
  }
}
