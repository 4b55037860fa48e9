import { availableParallelism } from 'node:os';
import type { JsonSchema } from '@cria/api';

/** The default models directory, shared by the provider and `cria pull` / `cria models`. */
export const DEFAULT_MODELS_DIR = '~/.cria/models';

/** Settings of `inline::llama-cpp` (the `config` of its provider entry in a distribution). */
export interface LlamaCppSettings {
  /**
   * Where models live: `cria pull` downloads here, and a `provider_model_id` that is a Hugging
   * Face URI, a URL or a bare file name is looked up here. `~` is the home directory; a relative
   * path resolves against the distribution's directory. Default `~/.cria/models`.
   */
  models_dir: string;
  /**
   * CPU threads per model context. Default: the available cores less one, at most 4 (more
   * threads than free cores is many times slower: llama.cpp's threads spin while waiting).
   */
  threads?: number | null;
  /** Tokens each sequence of a model's context holds (prompt and completion together). Default 4096. */
  context_size: number;
  /**
   * Layers to offload to the GPU: `auto` fits as many as the GPU memory allows, 0 keeps the model
   * on the CPU. Ignored when no GPU backend is available or `gpu` is false. Default `auto`.
   */
  gpu_layers: 'auto' | 'max' | number;
  /**
   * The GPU backend: `auto` uses one when its prebuilt binary is installed and a device is present,
   * `false` never does. Default `auto`.
   */
  gpu: 'auto' | 'cuda' | 'vulkan' | 'metal' | false;
  /**
   * Requests one model serves at once: its context has this many sequences, and requests beyond
   * them wait in a queue. Also the largest `n` a request may ask for. Default 2.
   */
  parallel_sequences: number;
  /** Requests that may wait for a sequence of one model; more are answered 503. Default 256. */
  max_queued_requests: number;
  /** Unload a model after this many seconds without requests (0: keep it loaded). Default 900. */
  idle_unload_seconds: number;
  /** Load the distribution's models at start-up instead of on their first request. Default false. */
  preload: boolean;
  /** Check model files against their embedded metadata when loading. Default false. */
  check_tensors: boolean;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    models_dir: { type: 'string', default: DEFAULT_MODELS_DIR, description: 'Directory of downloaded models and of bare model file names.' },
    threads: { anyOf: [{ type: 'integer', minimum: 1, maximum: 256 }, { type: 'null' }], description: 'CPU threads per model; default: available cores less one, at most 4.' },
    context_size: { type: 'integer', minimum: 64, maximum: 1048576, default: 4096, description: 'Tokens per sequence (prompt + completion).' },
    gpu_layers: { anyOf: [{ type: 'integer', minimum: 0 }, { enum: ['auto', 'max'] }], default: 'auto', description: 'Layers offloaded to the GPU.' },
    gpu: { enum: ['auto', 'cuda', 'vulkan', 'metal', false], default: 'auto', description: 'GPU backend, or false for CPU only.' },
    parallel_sequences: { type: 'integer', minimum: 1, maximum: 64, default: 2, description: 'Requests served at once per model (and the largest n).' },
    max_queued_requests: { type: 'integer', minimum: 0, default: 256, description: 'Requests that may wait for a model; more get 503.' },
    idle_unload_seconds: { type: 'number', minimum: 0, default: 900, description: 'Unload an idle model after this long (0: never).' },
    preload: { type: 'boolean', default: false, description: 'Load models at start-up rather than on first use.' },
    check_tensors: { type: 'boolean', default: false, description: 'Validate tensor data when loading a model.' },
  },
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  models_dir: '${env.CRIA_MODELS_DIR:=~/.cria/models}',
  threads: '${env.LLAMA_CPP_THREADS:=}',
  context_size: 4096,
  parallel_sequences: 2,
};

/**
 * The default thread count: the cores less one (left to the server's event loop), at most 4.
 * llama.cpp's threads spin while they wait, so a thread more than the free cores makes
 * generation many times slower (measured on 2 cores: 1 thread ~170 tok/s, 2 threads 3–145 tok/s).
 */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}
