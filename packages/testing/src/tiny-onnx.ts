/**
 * Writes tiny ONNX models and tokenizers that transformers.js loads as it loads real ones: the
 * ONNX file byte by byte (ONNX's protobuf messages, opset 13, IR version 8) and a Unigram
 * tokenizer.json (lower-casing, Metaspace, [CLS] … [SEP] templates with pair type ids). Tests
 * build small graphs from these parts so they can tell, without running anything, what the model
 * must answer.
 */

/** ONNX's TensorProto.DataType of float32. */
export const ONNX_FLOAT = 1;
/** ONNX's TensorProto.DataType of int64. */
export const ONNX_INT64 = 7;

/** The special tokens of the tiny tokenizer, with ids 0–3; vocabulary words follow from id 4. */
export const TINY_SPECIAL_TOKENS = ['[PAD]', '[CLS]', '[SEP]', '[UNK]'] as const;
export const TINY_UNK_ID = 3;
/** The id of the first vocabulary word. */
export const TINY_FIRST_WORD_ID = TINY_SPECIAL_TOKENS.length;

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
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

/** A graph node (NodeProto: input 1, output 2, name 3, op_type 4, attribute 5 with AttributeProto name 1, i 3, type 20); integer attributes only. */
export function onnxNode(opType: string, inputs: string[], outputs: string[], intAttributes: Record<string, number> = {}): Uint8Array {
  return messageField(1, [
    ...inputs.map((input) => textField(1, input)),
    ...outputs.map((output) => textField(2, output)),
    textField(3, `${opType.toLowerCase()}_${outputs[0]}`),
    textField(4, opType),
    ...Object.entries(intAttributes).map(([name, value]) => messageField(5, [textField(1, name), intField(3, value), intField(20, ATTRIBUTE_INT)])),
  ]);
}

/** A constant of the graph (TensorProto as GraphProto field 5: dims 1, data_type 2, name 8, raw_data 9 little-endian). */
export function onnxInitializer(name: string, dims: number[], values: number[], dataType: typeof ONNX_FLOAT | typeof ONNX_INT64): Uint8Array {
  const raw = dataType === ONNX_FLOAT ? new Uint8Array(Float32Array.from(values).buffer) : new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
  return messageField(5, [...dims.map((dim) => intField(1, dim)), intField(2, dataType), textField(8, name), bytesField(9, raw)]);
}

/**
 * A constant whose float32 values live in an external data file beside the model (TensorProto:
 * external_data 13 as location/offset/length entries, data_location 14 = EXTERNAL), as exports
 * over 2 GB keep their weights. Returns the initializer and the bytes to write at `offset` of `location`.
 */
export function onnxExternalInitializer(name: string, dims: number[], values: number[], location: string, offset: number): { initializer: Uint8Array; bytes: Uint8Array } {
  const bytes = new Uint8Array(Float32Array.from(values).buffer);
  const entry = (key: string, value: string) => messageField(13, [textField(1, key), textField(2, value)]);
  const initializer = messageField(5, [
    ...dims.map((dim) => intField(1, dim)),
    intField(2, ONNX_FLOAT),
    textField(8, name),
    entry('location', location),
    entry('offset', String(offset)),
    entry('length', String(bytes.length)),
    intField(14, 1),
  ]);
  return { initializer, bytes };
}

/** ValueInfoProto (name 1, type 2 → tensor_type 1 → elem_type 1, shape 2 → dim 1 with dim_value 1 or dim_param 2). */
function valueInfo(field: number, name: string, elemType: number, dims: (number | string)[]): Uint8Array {
  const shape = dims.map((dim) => messageField(1, [typeof dim === 'number' ? intField(1, dim) : textField(2, dim)]));
  return messageField(field, [textField(1, name), messageField(2, [messageField(1, [intField(1, elemType), messageField(2, shape)])])]);
}

/** A graph input (GraphProto field 11); a string dim is symbolic. */
export const onnxInput = (name: string, elemType: number, dims: (number | string)[]) => valueInfo(11, name, elemType, dims);
/** A graph output (GraphProto field 12). */
export const onnxOutput = (name: string, elemType: number, dims: (number | string)[]) => valueInfo(12, name, elemType, dims);

/** The ModelProto (ir_version 1, producer_name 2, graph 7, opset_import 8) of a graph made of nodes, initializers, inputs and outputs, in any order. */
export function onnxModel(graphName: string, graphParts: Uint8Array[]): Uint8Array {
  const graph = [...graphParts, textField(2, graphName)];
  return concat([intField(1, 8), textField(2, 'cria-tests'), messageField(7, graph), messageField(8, [textField(1, ''), intField(2, 13)])]);
}

/**
 * A Unigram tokenizer.json over `words` (lower case, no spaces; ids from TINY_FIRST_WORD_ID in
 * order): lower-cases, splits on spaces (Metaspace), wraps one text as [CLS] A [SEP] and a pair as
 * [CLS] A [SEP] B [SEP] with type id 1 for B. A run of characters it does not know becomes one
 * [UNK], across spaces.
 */
export function tinyTokenizerJson(words: readonly string[]): object {
  const vocabulary: [string, number][] = [...TINY_SPECIAL_TOKENS.map((token): [string, number] => [token, 0]), ...words.map((word): [string, number] => [`▁${word}`, -5])];
  const metaspace = { type: 'Metaspace', replacement: '▁', add_prefix_space: true, prepend_scheme: 'always', split: true };
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: TINY_SPECIAL_TOKENS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: metaspace,
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]'), { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [1], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [2], tokens: ['[SEP]'] } },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: TINY_UNK_ID, vocab: vocabulary, byte_fallback: false },
  };
}

/**
 * The token ids the tiny tokenizer gives a text of words and spaces (no punctuation), without
 * [CLS]/[SEP]: a known word is its id, a run of unknown words one [UNK].
 */
export function tinyTokenIds(text: string, words: readonly string[]): number[] {
  const ids: number[] = [];
  for (const word of text.toLowerCase().split(/\s+/).filter(Boolean)) {
    const index = words.indexOf(word);
    if (index < 0 && ids.at(-1) === TINY_UNK_ID) continue;
    ids.push(index < 0 ? TINY_UNK_ID : TINY_FIRST_WORD_ID + index);
  }
  return ids;
}
