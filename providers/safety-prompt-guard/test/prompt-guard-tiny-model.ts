/**
 * Writes a tiny Prompt Guard look-alike that transformers.js loads as it loads Meta's model: a
 * deberta-v2 config.json with Prompt Guard's id2label, a Unigram tokenizer.json (Metaspace, as
 * mDeBERTa's SentencePiece tokenizer), tokenizer_config.json, and onnx/model.onnx written here
 * byte by byte (ONNX's protobuf messages, opset 13, IR version 8).
 *
 * The graph: input_ids → Gather (one embedding row per token) → mean over the tokens the
 * attention_mask keeps → MatMul → Add → logits [batch, labels]. Each vocabulary word's row votes
 * for one label (BENIGN words 1, attack words ATTACK_WEIGHT), the special tokens for none, and
 * the classifier multiplies the mean by SCALE: so `tinyModelProbabilities` can tell, without
 * running anything, the probabilities the model must give.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SCALE = 12;
const ATTACK_WEIGHT = 3;
const SPECIAL_TOKENS = ['[PAD]', '[CLS]', '[SEP]', '[UNK]'] as const;
const UNK_ID = 3;

export interface TinyPromptGuardOptions {
  /** The labels in class order, as config.json's id2label names them. */
  labels: readonly string[];
  /** Each word of the vocabulary (lower case, no spaces) and the label it votes for. Other words are [UNK], which votes for `labels[0]`. */
  words: Readonly<Record<string, string>>;
}

export const PROMPT_GUARD_1_WORDS: Record<string, string> = {
  ...Object.fromEntries(['what', 'is', 'the', 'capital', 'of', 'france', 'please', 'summarise', 'this', 'article', 'weather', 'all', 'you', 'are', 'an', 'and', 'now'].map((word) => [word, 'BENIGN'])),
  ...Object.fromEntries(['ignore', 'previous', 'instructions', 'disregard', 'system', 'prompt'].map((word) => [word, 'INJECTION'])),
  ...Object.fromEntries(['dan', 'unrestricted', 'jailbreak', 'pretend', 'uncensored'].map((word) => [word, 'JAILBREAK'])),
};

export const PROMPT_GUARD_1: TinyPromptGuardOptions = { labels: ['BENIGN', 'INJECTION', 'JAILBREAK'], words: PROMPT_GUARD_1_WORDS };

export const PROMPT_GUARD_2: TinyPromptGuardOptions = {
  labels: ['BENIGN', 'MALICIOUS'],
  words: Object.fromEntries(Object.entries(PROMPT_GUARD_1_WORDS).map(([word, label]) => [word, label === 'BENIGN' ? 'BENIGN' : 'MALICIOUS'])),
};

/** The probabilities the tiny model gives `text` (one segment of words and spaces, no punctuation), computed without running it. */
export function tinyModelProbabilities(text: string, options: TinyPromptGuardOptions): number[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  const votes = options.labels.map(() => 0);
  let tokens = 2; // [CLS] and [SEP]
  let previousUnknown = false;
  for (const word of words) {
    const label = options.words[word];
    // Unigram fuses a run of characters it does not know, across spaces, into one [UNK].
    if (!label && previousUnknown) continue;
    previousUnknown = !label;
    tokens++;
    votes[label ? options.labels.indexOf(label) : 0]! += !label || label === options.labels[0] ? 1 : ATTACK_WEIGHT;
  }
  const logits = votes.map((vote) => (SCALE * vote) / tokens);
  const highest = Math.max(...logits);
  const exponentials = logits.map((logit) => Math.exp(logit - highest));
  const total = exponentials.reduce((sum, value) => sum + value, 0);
  return exponentials.map((value) => value / total);
}

/** Writes the model folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx). */
export function writeTinyPromptGuardModel(folder: string, options: TinyPromptGuardOptions): void {
  const words = Object.keys(options.words);
  const vocabulary: [string, number][] = [...SPECIAL_TOKENS.map((token): [string, number] => [token, 0]), ...words.map((word): [string, number] => [`▁${word}`, -5])];
  mkdirSync(join(folder, 'onnx'), { recursive: true });
  writeFileSync(
    join(folder, 'config.json'),
    JSON.stringify({
      model_type: 'deberta-v2',
      architectures: ['DebertaV2ForSequenceClassification'],
      id2label: Object.fromEntries(options.labels.map((label, index) => [String(index), label])),
      label2id: Object.fromEntries(options.labels.map((label, index) => [label, index])),
      hidden_size: options.labels.length,
      vocab_size: vocabulary.length,
      max_position_embeddings: 512,
    }),
  );
  writeFileSync(join(folder, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocabulary)));
  writeFileSync(
    join(folder, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'DebertaV2Tokenizer', model_max_length: 512, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', do_lower_case: false }),
  );
  const embeddings = vocabulary.map(([token], id) => {
    const row = options.labels.map(() => 0);
    if (id === UNK_ID) row[0] = 1;
    else if (id > UNK_ID) {
      const label = options.words[token.slice(1)]!;
      row[options.labels.indexOf(label)] = label === options.labels[0] ? 1 : ATTACK_WEIGHT;
    }
    return row;
  });
  writeFileSync(join(folder, 'onnx', 'model.onnx'), classifierOnnx(embeddings, options.labels.length));
}

function tokenizerJson(vocabulary: [string, number][]): object {
  const metaspace = { type: 'Metaspace', replacement: '▁', add_prefix_space: true, prepend_scheme: 'always', split: true };
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: metaspace,
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]'), { Sequence: { id: 'B', type_id: 1 } }, special('[SEP]')],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [1], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [2], tokens: ['[SEP]'] } },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: UNK_ID, vocab: vocabulary, byte_fallback: false },
  };
}

// ---- ONNX's protobuf messages, field numbers from onnx.proto ----

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const FLOAT = 1;
const INT64 = 7;
const ATTRIBUTE_INT = 2;

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = BigInt(value);
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest) byte |= 0x80;
    bytes.push(byte);
  } while (rest);
  return bytes;
}

function intField(field: number, value: number): Uint8Array {
  return Uint8Array.from([...varint((field << 3) | WIRE_VARINT), ...varint(value)]);
}

function bytesField(field: number, payload: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...varint((field << 3) | WIRE_BYTES), ...varint(payload.length)]), payload]);
}

const textField = (field: number, text: string) => bytesField(field, new TextEncoder().encode(text));
const messageField = (field: number, parts: Uint8Array[]) => bytesField(field, concat(parts));

function concat(parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5 (AttributeProto: name 1, i 3, type 20). */
function node(opType: string, inputs: string[], outputs: string[], intAttributes: Record<string, number> = {}): Uint8Array {
  return messageField(1, [
    ...inputs.map((input) => textField(1, input)),
    ...outputs.map((output) => textField(2, output)),
    textField(3, `${opType.toLowerCase()}_${outputs[0]}`),
    textField(4, opType),
    ...Object.entries(intAttributes).map(([name, value]) => messageField(5, [textField(1, name), intField(3, value), intField(20, ATTRIBUTE_INT)])),
  ]);
}

/** TensorProto (an initializer, GraphProto field 5): dims 1, data_type 2, name 8, raw_data 9 (little-endian). */
function initializer(name: string, dims: number[], values: number[], dataType: typeof FLOAT | typeof INT64): Uint8Array {
  const raw = dataType === FLOAT ? new Uint8Array(Float32Array.from(values).buffer) : new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
  return messageField(5, [...dims.map((dim) => intField(1, dim)), intField(2, dataType), textField(8, name), bytesField(9, raw)]);
}

/** ValueInfoProto (graph input 11 / output 12): name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 (dim_value 1 | dim_param 2). */
function valueInfo(field: number, name: string, elemType: number, dims: (number | string)[]): Uint8Array {
  const shape = dims.map((dim) => messageField(1, [typeof dim === 'number' ? intField(1, dim) : textField(2, dim)]));
  return messageField(field, [textField(1, name), messageField(2, [messageField(1, [intField(1, elemType), messageField(2, shape)])])]);
}

/** The ModelProto of the classifier over `embeddings` (one row per token id, `width` wide). */
function classifierOnnx(embeddings: number[][], width: number): Uint8Array {
  const identity = Array.from({ length: width * width }, (_, index) => (Math.floor(index / width) === index % width ? SCALE : 0));
  const graph = [
    node('Gather', ['embeddings', 'input_ids'], ['token_vectors'], { axis: 0 }),
    node('Cast', ['attention_mask'], ['mask'], { to: FLOAT }),
    node('Unsqueeze', ['mask', 'last_axis'], ['mask_column']),
    node('Mul', ['token_vectors', 'mask_column'], ['kept_vectors']),
    node('ReduceSum', ['kept_vectors', 'token_axis'], ['vector_sum'], { keepdims: 0 }),
    node('ReduceSum', ['mask', 'token_axis'], ['token_count'], { keepdims: 1 }),
    node('Div', ['vector_sum', 'token_count'], ['pooled']),
    node('MatMul', ['pooled', 'classifier_weight'], ['projected']),
    node('Add', ['projected', 'classifier_bias'], ['logits']),
    textField(2, 'tiny_prompt_guard'),
    initializer('embeddings', [embeddings.length, width], embeddings.flat(), FLOAT),
    initializer('classifier_weight', [width, width], identity, FLOAT),
    initializer('classifier_bias', [width], new Array<number>(width).fill(0), FLOAT),
    initializer('last_axis', [1], [2], INT64),
    initializer('token_axis', [1], [1], INT64),
    valueInfo(11, 'input_ids', INT64, ['batch_size', 'sequence_length']),
    valueInfo(11, 'attention_mask', INT64, ['batch_size', 'sequence_length']),
    valueInfo(12, 'logits', FLOAT, ['batch_size', width]),
  ];
  // ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 (OperatorSetIdProto: domain 1, version 2).
  return concat([intField(1, 8), textField(2, 'cria-tests'), messageField(7, graph), messageField(8, [textField(1, ''), intField(2, 13)])]);
}
