import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Writes small random-weight GGUF models that llama.cpp loads as real models: llama (Qwen3 for
 * rerankers) architecture, a byte-level BPE ("gpt2") vocabulary of the 256 bytes plus ChatML's special
 * tokens, and a ChatML chat template. Tests and benchmarks use them instead of downloading one.
 *
 * The weights are random, but shaped so that what the model writes is usable by tests: every
 * token embedding carries a large constant in dimension 0 that the (small) layers leave mostly
 * untouched, and the output matrix turns that constant into a per-token bias. Printable ASCII
 * is likely, JSON's closing characters (`"`, `}`, `]`, `,`) more so (so grammar-constrained JSON
 * ends within a few dozen tokens, greedy decoding included), and control bytes, non-ASCII bytes and the special tokens
 * (end of turn included) almost never come: generation runs until max_tokens or a stop sequence.
 */

/** What to write. Every size has a small default; the defaults make a ~0.5 MB model. */
export interface TinyModelOptions {
  /** Where to write the .gguf file (its directory is created). */
  path: string;
  /**
   * `chat` has a chat template; `embedding` is non-causal with mean pooling; `reranker` is a
   * Qwen3-architecture cross-encoder as llama.cpp ranks with (rank pooling of the last token, a
   * `cls.output.weight` head over the labels yes/no, softmaxed). Default `chat`.
   */
  kind?: 'chat' | 'embedding' | 'reranker';
  /** Hidden size (`llama.embedding_length`), a multiple of 32. Default 64. */
  embeddingLength?: number;
  /** Transformer blocks. Default 2. */
  layers?: number;
  /** FFN hidden size, a multiple of 32. Default 2 × embeddingLength. */
  feedForwardLength?: number;
  /** Attention heads. Default 4. */
  heads?: number;
  /** Key/value heads (grouped-query attention). Default `heads`. */
  headsKv?: number;
  /** The context length the model declares (`llama.context_length`). Default 4096. */
  contextLength?: number;
  /** Storage type of the 2-D weight matrices. Default `f32`; `q8_0` for bigger, realistic models. */
  tensorType?: 'f32' | 'f16' | 'q8_0';
  /** Seed of the random weights: the same options write the same bytes. Default 1. */
  seed?: number;
  /** `general.name`. */
  name?: string;
}

/** What was written. */
export interface TinyModelInfo {
  path: string;
  bytes: number;
  kind: 'chat' | 'embedding' | 'reranker';
  embeddingLength: number;
  contextLength: number;
  vocabularySize: number;
  /** Token ids of the special tokens. */
  specialTokens: { bos: number; eos: number; imStart: number; imEnd: number };
}

/** ChatML, as Qwen and many other instruct models use it. */
export const TINY_MODEL_CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

/** GPT-2's byte-to-unicode map: how a byte-level BPE vocabulary spells each byte as text. */
function byteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map: string[] = new Array(256);
  for (const b of printable) map[b] = String.fromCodePoint(b);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (map[b] === undefined) map[b] = String.fromCodePoint(256 + extra++);
  }
  return map;
}

/** The logit bias each token gets from dimension 0 (see the file comment). */
function tokenBias(token: number): number {
  if (token >= 256) return -12;
  if (token === 0x22) return 5;
  if (token === 0x7d) return 3;
  if (token === 0x5d || token === 0x2c) return 2;
  if (token >= 0x20 && token <= 0x7e) return 0;
  if (token === 0x0a) return -1;
  return -12;
}

/** mulberry32: small, fast, and the same everywhere. */
function randomSource(seed: number): { uniform: () => number; normal: () => number } {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | null = null;
  const normal = () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const u = Math.max(uniform(), 1e-12);
    const v = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
  return { uniform, normal };
}

// GGUF value types and ggml tensor types (gguf.h, ggml.h).
const GGUF_TYPE = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const;
const GGML_TYPE = { f32: 0, f16: 1, q8_0: 8 } as const;
const ALIGNMENT = 32;

type MetadataValue =
  | { type: 'uint32' | 'int32' | 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; items: 'string'; value: readonly string[] }
  | { type: 'array'; items: 'int32' | 'float32'; value: readonly number[] };

/** Appends little-endian values to a growing buffer. */
class ByteWriter {
  private buffer = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  u32(value: number): void {
    this.reserve(4);
    this.length = this.buffer.writeUInt32LE(value, this.length);
  }

  i32(value: number): void {
    this.reserve(4);
    this.length = this.buffer.writeInt32LE(value, this.length);
  }

  f32(value: number): void {
    this.reserve(4);
    this.length = this.buffer.writeFloatLE(value, this.length);
  }

  u64(value: number): void {
    this.reserve(8);
    this.length = this.buffer.writeBigUInt64LE(BigInt(value), this.length);
  }

  u8(value: number): void {
    this.reserve(1);
    this.length = this.buffer.writeUInt8(value, this.length);
  }

  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buffer, this.length);
    this.length += bytes.length;
  }

  pad(alignment: number): void {
    while (this.length % alignment !== 0) this.u8(0);
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function writeValue(writer: ByteWriter, entry: MetadataValue): void {
  switch (entry.type) {
    case 'uint32':
      return writer.u32(entry.value);
    case 'int32':
      return writer.i32(entry.value);
    case 'float32':
      return writer.f32(entry.value);
    case 'bool':
      return writer.u8(entry.value ? 1 : 0);
    case 'string':
      return writer.string(entry.value);
    case 'array':
      writer.u32(GGUF_TYPE[entry.items]);
      writer.u64(entry.value.length);
      for (const item of entry.value) {
        if (entry.items === 'string') writer.string(item as string);
        else if (entry.items === 'int32') writer.i32(item as number);
        else writer.f32(item as number);
      }
  }
}

/** IEEE half precision, round to nearest. */
function toHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent <= 0) return sign;
  if (exponent >= 31) return sign | 0x7c00;
  const rounded = (exponent << 10) | (mantissa >>> 13);
  return sign | (rounded + ((mantissa >>> 12) & 1));
}

interface Tensor {
  name: string;
  /** ggml order: dims[0] is the row length. */
  dims: number[];
  type: keyof typeof GGML_TYPE;
  values: Float32Array;
}

function encodeTensor(tensor: Tensor): Buffer {
  const { values } = tensor;
  if (tensor.type === 'f32') return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  if (tensor.type === 'f16') {
    const out = Buffer.alloc(values.length * 2);
    for (let i = 0; i < values.length; i++) out.writeUInt16LE(toHalf(values[i]!), i * 2);
    return out;
  }
  // Q8_0: blocks of 32 values, each an f16 scale and 32 int8s.
  const blocks = values.length / 32;
  const out = Buffer.alloc(blocks * 34);
  for (let block = 0; block < blocks; block++) {
    let max = 0;
    for (let i = 0; i < 32; i++) max = Math.max(max, Math.abs(values[block * 32 + i]!));
    const scale = max / 127;
    const inverse = scale ? 1 / scale : 0;
    out.writeUInt16LE(toHalf(scale), block * 34);
    for (let i = 0; i < 32; i++) out.writeInt8(Math.round(values[block * 32 + i]! * inverse), block * 34 + 2 + i);
  }
  return out;
}

function tensorBytes(tensor: Tensor): number {
  const count = tensor.values.length;
  return tensor.type === 'f32' ? count * 4 : tensor.type === 'f16' ? count * 2 : (count / 32) * 34;
}

/** Writes a tiny model; returns what it wrote. Synchronous and fast (~10 ms for the defaults). */
export function writeTinyModel(options: TinyModelOptions): TinyModelInfo {
  const kind = options.kind ?? 'chat';
  const embeddingLength = options.embeddingLength ?? 64;
  const layers = options.layers ?? 2;
  const feedForwardLength = options.feedForwardLength ?? embeddingLength * 2;
  const heads = options.heads ?? 4;
  const headsKv = options.headsKv ?? heads;
  const contextLength = options.contextLength ?? 4096;
  const matrixType = options.tensorType ?? 'f32';
  if (embeddingLength % 32 !== 0 || feedForwardLength % 32 !== 0) throw new Error('embeddingLength and feedForwardLength must be multiples of 32');
  if (embeddingLength % heads !== 0 || heads % headsKv !== 0) throw new Error('embeddingLength must divide into heads, and heads into headsKv groups');
  const random = randomSource(options.seed ?? 1);

  const byteText = byteToUnicode();
  const tokens = [...byteText, ...SPECIAL_TOKENS];
  const tokenTypes = tokens.map((_, id) => (id >= 256 ? 3 : 1));
  const vocabularySize = tokens.length;
  const specialTokens = { bos: 256, eos: 258, imStart: 257, imEnd: 258 };

  const headDim = embeddingLength / heads;
  const kvLength = headDim * headsKv;
  const matrix = (name: string, columns: number, rows: number, deviation: number, type: Tensor['type'] = matrixType): Tensor => {
    const values = new Float32Array(columns * rows);
    for (let i = 0; i < values.length; i++) values[i] = random.normal() * deviation;
    return { name, dims: [columns, rows], type, values };
  };
  const ones = (name: string): Tensor => ({ name, dims: [embeddingLength], type: 'f32', values: new Float32Array(embeddingLength).fill(1) });
  const headOnes = (name: string): Tensor => ({ name, dims: [headDim], type: 'f32', values: new Float32Array(headDim).fill(1) });

  // Dimension 0 of every embedding is a large constant that carries the per-token output bias.
  const BIAS_CARRIER = 8;
  const embeddings = matrix('token_embd.weight', embeddingLength, vocabularySize, 1, 'f32');
  for (let token = 0; token < vocabularySize; token++) embeddings.values[token * embeddingLength] = BIAS_CARRIER;
  // After the final RMS norm, dimension 0 is about BIAS_CARRIER / rms ≈ 5.7 for 64 dims; the rest
  // of each output row is scaled so that the random part of a logit has a deviation near 1.
  const normalizedCarrier = BIAS_CARRIER / Math.sqrt((BIAS_CARRIER ** 2 + embeddingLength - 1) / embeddingLength);
  const output = matrix('output.weight', embeddingLength, vocabularySize, Math.sqrt(1 / (embeddingLength - 1)), 'f32');
  for (let token = 0; token < vocabularySize; token++) output.values[token * embeddingLength] = tokenBias(token) / normalizedCarrier;

  const tensors: Tensor[] = [embeddings];
  const reranker = kind === 'reranker';
  const architecture = reranker ? 'qwen3' : 'llama';
  // A reranker's layers weigh more, so that its scores differ from one input to the next.
  const weightDeviation = reranker ? 0.2 : 0.02;
  for (let layer = 0; layer < layers; layer++) {
    const prefix = `blk.${layer}`;
    tensors.push(
      ones(`${prefix}.attn_norm.weight`),
      matrix(`${prefix}.attn_q.weight`, embeddingLength, embeddingLength, weightDeviation),
      matrix(`${prefix}.attn_k.weight`, embeddingLength, kvLength, weightDeviation),
      matrix(`${prefix}.attn_v.weight`, embeddingLength, kvLength, weightDeviation),
      matrix(`${prefix}.attn_output.weight`, embeddingLength, embeddingLength, weightDeviation),
      ...(reranker ? [headOnes(`${prefix}.attn_q_norm.weight`), headOnes(`${prefix}.attn_k_norm.weight`)] : []),
      ones(`${prefix}.ffn_norm.weight`),
      matrix(`${prefix}.ffn_gate.weight`, embeddingLength, feedForwardLength, weightDeviation),
      matrix(`${prefix}.ffn_up.weight`, embeddingLength, feedForwardLength, weightDeviation),
      matrix(`${prefix}.ffn_down.weight`, feedForwardLength, embeddingLength, weightDeviation),
    );
  }
  tensors.push(ones('output_norm.weight'), output);
  // The rank head: two rows (yes, no) whose softmax's first value is the score.
  if (reranker) tensors.push(matrix('cls.output.weight', embeddingLength, 2, 1, 'f32'));

  const metadata: [string, MetadataValue][] = [
    ['general.architecture', { type: 'string', value: architecture }],
    ['general.name', { type: 'string', value: options.name ?? `cria-tiny-${kind}` }],
    ['general.alignment', { type: 'uint32', value: ALIGNMENT }],
    ['general.file_type', { type: 'uint32', value: matrixType === 'f32' ? 0 : matrixType === 'f16' ? 1 : 7 }],
    [`${architecture}.context_length`, { type: 'uint32', value: contextLength }],
    [`${architecture}.embedding_length`, { type: 'uint32', value: embeddingLength }],
    [`${architecture}.block_count`, { type: 'uint32', value: layers }],
    [`${architecture}.feed_forward_length`, { type: 'uint32', value: feedForwardLength }],
    [`${architecture}.attention.head_count`, { type: 'uint32', value: heads }],
    [`${architecture}.attention.head_count_kv`, { type: 'uint32', value: headsKv }],
    [`${architecture}.attention.layer_norm_rms_epsilon`, { type: 'float32', value: 1e-5 }],
    [`${architecture}.rope.dimension_count`, { type: 'uint32', value: headDim }],
    [`${architecture}.rope.freq_base`, { type: 'float32', value: 10000 }],
    [`${architecture}.vocab_size`, { type: 'uint32', value: vocabularySize }],
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'default' }],
    ['tokenizer.ggml.tokens', { type: 'array', items: 'string', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'array', items: 'int32', value: tokenTypes }],
    ['tokenizer.ggml.merges', { type: 'array', items: 'string', value: [] }],
    ['tokenizer.ggml.bos_token_id', { type: 'uint32', value: specialTokens.bos }],
    ['tokenizer.ggml.eos_token_id', { type: 'uint32', value: specialTokens.eos }],
    ['tokenizer.ggml.padding_token_id', { type: 'uint32', value: specialTokens.bos }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
  ];
  if (kind === 'chat') metadata.push(['tokenizer.chat_template', { type: 'string', value: TINY_MODEL_CHAT_TEMPLATE }]);
  else if (kind === 'embedding') metadata.push(['llama.pooling_type', { type: 'uint32', value: 1 }], ['llama.attention.causal', { type: 'bool', value: false }]);
  // llama.cpp's LLAMA_POOLING_TYPE_RANK is 4; the labels give the head its two outputs.
  else metadata.push(['qwen3.pooling_type', { type: 'uint32', value: 4 }], ['qwen3.classifier.output_labels', { type: 'array', items: 'string', value: ['yes', 'no'] }]);

  const header = new ByteWriter();
  header.u32(0x46554747); // "GGUF"
  header.u32(3);
  header.u64(tensors.length);
  header.u64(metadata.length);
  for (const [key, value] of metadata) {
    header.string(key);
    header.u32(value.type === 'array' ? GGUF_TYPE.array : GGUF_TYPE[value.type]);
    writeValue(header, value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    header.string(tensor.name);
    header.u32(tensor.dims.length);
    for (const dim of tensor.dims) header.u64(dim);
    header.u32(GGML_TYPE[tensor.type]);
    header.u64(offset);
    offset += Math.ceil(tensorBytes(tensor) / ALIGNMENT) * ALIGNMENT;
  }
  header.pad(ALIGNMENT);

  mkdirSync(dirname(options.path), { recursive: true });
  // Written to a temporary name and renamed, so a concurrent reader never sees half a model.
  const temporary = `${options.path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w');
  let bytes = 0;
  try {
    bytes += writeSync(fd, header.bytes());
    const padding = Buffer.alloc(ALIGNMENT);
    for (const tensor of tensors) {
      const encoded = encodeTensor(tensor);
      bytes += writeSync(fd, encoded);
      const rest = (ALIGNMENT - (encoded.length % ALIGNMENT)) % ALIGNMENT;
      if (rest) bytes += writeSync(fd, padding, 0, rest);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, options.path);
  return { path: options.path, bytes, kind, embeddingLength, contextLength, vocabularySize, specialTokens };
}

/**
 * The path of a tiny model made with these options, written once per machine and reused: tests
 * of one run (and of later runs) share it. The file name is a hash of the options.
 */
export function cachedTinyModel(options: Omit<TinyModelOptions, 'path'> = {}): string {
  const key = createHash('sha256').update(JSON.stringify({ version: 1, ...options })).digest('hex').slice(0, 16);
  const path = join(tmpdir(), 'cria-tiny-models', `${options.kind ?? 'chat'}-${key}.gguf`);
  if (!existsSync(path)) writeTinyModel({ ...options, path });
  return path;
}
