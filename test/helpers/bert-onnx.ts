/**
 * A real BERT encoder graph (embeddings + LayerNorm, multi-head self-attention with the padding
 * mask, GELU feed-forward, post-LayerNorm residuals) with random weights and any shape, written
 * as a transformers.js model folder. Inference cost does not depend on weight values, so a
 * random model of bge-small-zh's or bge-base-zh's exact shape measures what those models cost
 * without downloading them.
 *
 * `q8` writes the graph onnxruntime's dynamic quantization produces (and transformers.js ships
 * as `onnx/model_quantized.onnx`): every weight MatMul becomes DynamicQuantizeLinear on the
 * activations, MatMulInteger against int8 weights, and a float rescale; attention's
 * activation-by-activation products stay float, as they do in those exports.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { mulberry32 } from '../../src/random.js';
import { encodeEncoderGraph, floatTensor, int64Tensor, intAttr, node, TINY_SPECIAL_TOKENS, writeBertFolderFiles } from './tiny-bert.js';

const { onnx } = onnxProto;
const FLOAT = 1;
const INT8 = 3;

/** The architecture numbers of a BERT encoder. */
export interface BertShape {
  layers: number;
  hidden: number;
  heads: number;
  /** Feed-forward width (`intermediate_size`). */
  ffn: number;
  vocab: number;
  /** Default 512. */
  maxPositions?: number;
}

/** bge-small-zh-v1.5's shape (config.json of BAAI/bge-small-zh-v1.5). */
export const BGE_SMALL_ZH_SHAPE: BertShape = { layers: 4, hidden: 512, heads: 8, ffn: 2048, vocab: 21128, maxPositions: 512 };
/** bge-base-zh-v1.5's shape. */
export const BGE_BASE_ZH_SHAPE: BertShape = { layers: 12, hidden: 768, heads: 12, ffn: 3072, vocab: 21128, maxPositions: 512 };

export type BertDtype = 'fp32' | 'q8';

/** Multiply-adds per token in the weight matrices of the encoder layers (embeddings are lookups). */
export function weightMacsPerToken(shape: BertShape): number {
  return shape.layers * (4 * shape.hidden * shape.hidden + 2 * shape.hidden * shape.ffn);
}

/** Multiply-adds per token in attention (QKᵀ and probabilities × V) at sequence length `seq`. */
export function attentionMacsPerToken(shape: BertShape, seq: number): number {
  return shape.layers * 2 * seq * shape.hidden;
}

/** Uniform values in ±scale from a seeded generator; fast enough for 100 M weights. */
function randomValues(next: () => number, count: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  const k = (2 * scale) / 4294967296;
  for (let i = 0; i < count; i++) out[i] = next() * k - scale;
  return out;
}

function constant(value: number): Float32Array {
  return Float32Array.of(value);
}

/**
 * Serialized ONNX bytes of a BERT encoder of `shape`. Inputs `input_ids`, `attention_mask`,
 * `token_type_ids` [batch, seq] (int64); output `last_hidden_state` [batch, seq, hidden].
 */
export function buildBertOnnx(shape: BertShape, options: { dtype?: BertDtype; seed?: number } = {}): Uint8Array {
  const { layers, hidden, heads, ffn, vocab } = shape;
  const maxPositions = shape.maxPositions ?? 512;
  if (hidden % heads !== 0) throw new Error(`hidden ${hidden} is not a multiple of heads ${heads}`);
  const headDim = hidden / heads;
  const quantized = (options.dtype ?? 'fp32') === 'q8';
  const next = mulberry32(options.seed ?? 11);
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const nodes: onnxProto.onnx.INodeProto[] = [];

  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);
  const addFloat = (name: string, dims: number[], values: Float32Array): string => {
    initializer.push(floatTensor(name, dims, values));
    return name;
  };
  const layerNorm = (input: string, output: string): void => {
    const gamma = addFloat(`${output}.gamma`, [hidden], ones(hidden));
    const beta = addFloat(`${output}.beta`, [hidden], new Float32Array(hidden));
    nodes.push(node('LayerNormalization', [input, gamma, beta], [output], [intAttr('axis', -1), { name: 'epsilon', type: onnx.AttributeProto.AttributeType.FLOAT, f: 1e-12 }]));
  };
  /** input [.., rows] × weight [rows, cols] + bias, as float or dynamically quantized int8. */
  const dense = (input: string, output: string, rows: number, cols: number): void => {
    const weights = randomValues(next, rows * cols, Math.sqrt(3 / rows));
    const bias = addFloat(`${output}.bias`, [cols], randomValues(next, cols, 0.02));
    if (!quantized) {
      const w = addFloat(`${output}.weight`, [rows, cols], weights);
      nodes.push(node('MatMul', [input, w], [`${output}.mm`]), node('Add', [`${output}.mm`, bias], [output]));
      return;
    }
    // Symmetric per-tensor int8 weights, as onnxruntime's quantize_dynamic writes them.
    let max = 0;
    for (const v of weights) max = Math.max(max, Math.abs(v));
    const scale = max / 127 || 1;
    const q = new Int8Array(weights.length);
    for (let i = 0; i < weights.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(weights[i]! / scale)));
    initializer.push(
      { name: `${output}.weight_q`, dims: [rows, cols], dataType: INT8, rawData: new Uint8Array(q.buffer) },
      { name: `${output}.weight_zp`, dims: [], dataType: INT8, rawData: new Uint8Array(1) },
      floatTensor(`${output}.weight_scale`, [], constant(scale)),
    );
    nodes.push(
      node('DynamicQuantizeLinear', [input], [`${output}.xq`, `${output}.xs`, `${output}.xzp`]),
      node('MatMulInteger', [`${output}.xq`, `${output}.weight_q`, `${output}.xzp`, `${output}.weight_zp`], [`${output}.mmi`]),
      node('Cast', [`${output}.mmi`], [`${output}.mmf`], [intAttr('to', FLOAT)]),
      node('Mul', [`${output}.xs`, `${output}.weight_scale`], [`${output}.scale`]),
      node('Mul', [`${output}.mmf`, `${output}.scale`], [`${output}.mm`]),
      node('Add', [`${output}.mm`, bias], [output]),
    );
  };

  addFloat('word_emb', [vocab, hidden], randomValues(next, vocab * hidden, 1));
  addFloat('pos_emb', [maxPositions, hidden], randomValues(next, maxPositions * hidden, 0.5));
  addFloat('type_emb', [2, hidden], randomValues(next, 2 * hidden, 0.1));
  initializer.push(
    int64Tensor('zero', [], [0]),
    int64Tensor('one', [], [1]),
    int64Tensor('axes_12', [2], [1, 2]),
    int64Tensor('heads_shape', [4], [0, 0, heads, headDim]),
    int64Tensor('hidden_shape', [3], [0, 0, hidden]),
  );
  addFloat('f_one', [], constant(1));
  addFloat('f_neg', [], constant(-10000));
  addFloat('f_half', [], constant(0.5));
  addFloat('f_sqrt2', [], constant(Math.SQRT2));
  addFloat('f_attn_scale', [], constant(1 / Math.sqrt(headDim)));

  nodes.push(
    node('Shape', ['input_ids'], ['ids_shape']),
    node('Gather', ['ids_shape', 'one'], ['seq_len'], [intAttr('axis', 0)]),
    node('Range', ['zero', 'seq_len', 'one'], ['pos_ids']),
    node('Gather', ['word_emb', 'input_ids'], ['emb_word']),
    node('Gather', ['pos_emb', 'pos_ids'], ['emb_pos']),
    node('Gather', ['type_emb', 'token_type_ids'], ['emb_type']),
    node('Add', ['emb_word', 'emb_pos'], ['emb_wp']),
    node('Add', ['emb_wp', 'emb_type'], ['emb_sum']),
    // Additive mask [batch, 1, 1, seq]: 0 on real tokens, -10000 on padding.
    node('Cast', ['attention_mask'], ['mask_f'], [intAttr('to', FLOAT)]),
    node('Sub', ['f_one', 'mask_f'], ['mask_inv']),
    node('Mul', ['mask_inv', 'f_neg'], ['mask_add2']),
    node('Unsqueeze', ['mask_add2', 'axes_12'], ['mask_add']),
  );
  layerNorm('emb_sum', 'x0');

  let x = 'x0';
  for (let l = 0; l < layers; l++) {
    const p = `l${l}`;
    dense(x, `${p}.q`, hidden, hidden);
    dense(x, `${p}.k`, hidden, hidden);
    dense(x, `${p}.v`, hidden, hidden);
    nodes.push(
      node('Reshape', [`${p}.q`, 'heads_shape'], [`${p}.q4`]),
      node('Transpose', [`${p}.q4`], [`${p}.qh`], [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 1, 3] }]),
      node('Reshape', [`${p}.k`, 'heads_shape'], [`${p}.k4`]),
      node('Transpose', [`${p}.k4`], [`${p}.kt`], [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 3, 1] }]),
      node('Reshape', [`${p}.v`, 'heads_shape'], [`${p}.v4`]),
      node('Transpose', [`${p}.v4`], [`${p}.vh`], [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 1, 3] }]),
      node('MatMul', [`${p}.qh`, `${p}.kt`], [`${p}.scores_raw`]),
      node('Mul', [`${p}.scores_raw`, 'f_attn_scale'], [`${p}.scores_scaled`]),
      node('Add', [`${p}.scores_scaled`, 'mask_add'], [`${p}.scores`]),
      node('Softmax', [`${p}.scores`], [`${p}.probs`], [intAttr('axis', -1)]),
      node('MatMul', [`${p}.probs`, `${p}.vh`], [`${p}.ctx4`]),
      node('Transpose', [`${p}.ctx4`], [`${p}.ctx_t`], [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 1, 3] }]),
      node('Reshape', [`${p}.ctx_t`, 'hidden_shape'], [`${p}.ctx`]),
    );
    dense(`${p}.ctx`, `${p}.attn_out`, hidden, hidden);
    nodes.push(node('Add', [x, `${p}.attn_out`], [`${p}.res1`]));
    layerNorm(`${p}.res1`, `${p}.h1`);
    dense(`${p}.h1`, `${p}.ff1`, hidden, ffn);
    // GELU as BERT exports write it (x · ½ · (1 + erf(x / √2))); onnxruntime fuses it.
    nodes.push(
      node('Div', [`${p}.ff1`, 'f_sqrt2'], [`${p}.g_div`]),
      node('Erf', [`${p}.g_div`], [`${p}.g_erf`]),
      node('Add', [`${p}.g_erf`, 'f_one'], [`${p}.g_add`]),
      node('Mul', [`${p}.ff1`, `${p}.g_add`], [`${p}.g_mul`]),
      node('Mul', [`${p}.g_mul`, 'f_half'], [`${p}.gelu`]),
    );
    dense(`${p}.gelu`, `${p}.ff2`, ffn, hidden);
    nodes.push(node('Add', [`${p}.h1`, `${p}.ff2`], [`${p}.res2`]));
    const out = l === layers - 1 ? 'last_hidden_state' : `${p}.out`;
    layerNorm(`${p}.res2`, out);
    x = out;
  }
  if (layers === 0) nodes.push(node('Identity', ['x0'], ['last_hidden_state']));

  return encodeEncoderGraph({ producerName: 'rag-bert-shaped', irVersion: 8, opset: 17, name: 'bert' }, nodes, initializer, hidden);
}

/**
 * A WordPiece vocabulary of exactly `size` entries for `texts`: the specials, every character
 * seen (word-initial and `##`-continued, so nothing becomes [UNK]), the most frequent words,
 * then CJK characters in code point order as filler up to `size`.
 */
export function wordPieceVocabulary(texts: Iterable<string>, size: number): string[] {
  const freq = new Map<string, number>();
  const chars = new Set<string>();
  for (const text of texts) {
    const normalized = text
      .toLowerCase()
      .normalize('NFD')
      .replace(/\p{Mn}/gu, '')
      .replace(/([\u4e00-\u9fff\u3400-\u4dbf])/gu, ' $1 ');
    for (const word of normalized.match(/[\p{P}\p{S}]|[^\s\p{P}\p{S}]+/gu) ?? []) {
      freq.set(word, (freq.get(word) ?? 0) + 1);
      for (const ch of word) chars.add(ch);
    }
  }
  const seen = new Set<string>();
  const vocab: string[] = [];
  const add = (token: string): void => {
    if (vocab.length < size && !seen.has(token)) {
      seen.add(token);
      vocab.push(token);
    }
  };
  for (const t of TINY_SPECIAL_TOKENS) add(t);
  const sortedChars = [...chars].sort();
  for (const c of sortedChars) add(c);
  for (const c of sortedChars) add(`##${c}`);
  const words = [...freq.entries()].filter(([w, n]) => n >= 2 && [...w].length > 1).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [w] of words) add(w);
  for (let cp = 0x4e00; vocab.length < size && cp <= 0x9fff; cp++) add(String.fromCodePoint(cp));
  for (let i = 0; vocab.length < size; i++) add(`[unused${i}]`);
  return vocab;
}

export interface BertModelOptions {
  shape: BertShape;
  /** The tokenizer's vocabulary; its length must equal `shape.vocab`. */
  vocabulary: readonly string[];
  /** Which ONNX files to write: fp32 → `onnx/model.onnx`, q8 → `onnx/model_quantized.onnx`. Default ['fp32']. */
  dtypes?: BertDtype[];
  /** Declared in `1_Pooling/config.json`. Default 'cls' (as bge). */
  pooling?: 'cls' | 'mean';
  seed?: number;
}

/** Writes a transformers.js model folder for a BERT of `shape` and returns `dir`. */
export async function writeBertModel(dir: string, options: BertModelOptions): Promise<string> {
  const { shape, vocabulary } = options;
  if (vocabulary.length !== shape.vocab) throw new Error(`vocabulary has ${vocabulary.length} entries, the shape says ${shape.vocab}`);
  const maxPositions = shape.maxPositions ?? 512;
  const pooling = options.pooling ?? 'cls';
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  for (const dtype of options.dtypes ?? ['fp32']) {
    const file = dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx';
    await writeFile(path.join(dir, 'onnx', file), buildBertOnnx(shape, { dtype, ...(options.seed === undefined ? {} : { seed: options.seed }) }));
  }
  await writeBertFolderFiles(dir, {
    hidden: shape.hidden,
    layers: shape.layers,
    heads: shape.heads,
    ffn: shape.ffn,
    maxPositions,
    vocabulary,
    variant: pooling,
    poolingFile: true,
  });
  return dir;
}
