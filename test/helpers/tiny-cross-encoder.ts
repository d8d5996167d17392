/**
 * A tiny BertForSequenceClassification-shaped ONNX cross-encoder and its files, in Node, with
 * deterministic weights: embeddings (word + position + token type) → one mixing layer as in
 * tiny-bert.ts → the [CLS] state → dense + tanh (BERT's pooler) → one logit. Positions make the
 * score depend on word order; the masked mean keeps it independent of padding.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { seededRandom } from '../../src/random.js';
import { floatTensor, int64Tensor, intAttr, node, randomMatrix, tinyVocabulary, valueInfo, writeBertFolderFiles } from './tiny-bert.js';

const { onnx } = onnxProto;
const FLOAT = 1;
const INT64 = 7;

export interface TinyCrossEncoderOptions {
  /** Default 32. */
  hidden?: number;
  /** Positions the graph supports, and the tokenizer's model_max_length. Default 64. */
  maxPositions?: number;
  /** Default 11. */
  seed?: number;
}

export function buildTinyCrossEncoderOnnx(options: TinyCrossEncoderOptions = {}): Uint8Array {
  const hidden = options.hidden ?? 32;
  const maxPositions = options.maxPositions ?? 64;
  const next = seededRandom(options.seed ?? 11);
  const vocabSize = tinyVocabulary().length;
  const scale = 1 / Math.sqrt(hidden);
  const initializer: onnxProto.onnx.ITensorProto[] = [
    floatTensor('word_emb', [vocabSize, hidden], randomMatrix(next, vocabSize, hidden, 1)),
    floatTensor('pos_emb', [maxPositions, hidden], randomMatrix(next, maxPositions, hidden, 0.5)),
    floatTensor('type_emb', [2, hidden], randomMatrix(next, 2, hidden, 0.5)),
    floatTensor('w0', [hidden, hidden], randomMatrix(next, hidden, hidden, scale)),
    floatTensor('u0', [hidden, hidden], randomMatrix(next, hidden, hidden, scale)),
    floatTensor('b0', [hidden], randomMatrix(next, 1, hidden, 0.1)),
    floatTensor('pool_w', [hidden, hidden], randomMatrix(next, hidden, hidden, scale)),
    floatTensor('pool_b', [hidden], randomMatrix(next, 1, hidden, 0.1)),
    floatTensor('cls_w', [hidden, 1], randomMatrix(next, hidden, 1, 2)),
    floatTensor('cls_b', [1], Float32Array.of(0.1)),
    int64Tensor('zero', [], [0]),
    int64Tensor('one', [], [1]),
    int64Tensor('axes_seq', [1], [1]),
    int64Tensor('axes_last', [1], [2]),
    floatTensor('eps', [], Float32Array.of(1e-6)),
  ];
  const nodes: onnxProto.onnx.INodeProto[] = [
    node('Gather', ['word_emb', 'input_ids'], ['word']),
    node('Gather', ['type_emb', 'token_type_ids'], ['type']),
    node('Shape', ['input_ids'], ['ids_shape']),
    node('Gather', ['ids_shape', 'one'], ['seq_len'], [intAttr('axis', 0)]),
    node('Range', ['zero', 'seq_len', 'one'], ['pos_ids']),
    node('Gather', ['pos_emb', 'pos_ids'], ['pos']),
    node('Add', ['word', 'type'], ['word_type']),
    node('Add', ['word_type', 'pos'], ['x0']),
    node('Cast', ['attention_mask'], ['mask_f'], [intAttr('to', FLOAT)]),
    node('Unsqueeze', ['mask_f', 'axes_last'], ['mask_u']),
    node('ReduceSum', ['mask_u', 'axes_seq'], ['mask_count'], [intAttr('keepdims', 1)]),
    node('Add', ['mask_count', 'eps'], ['mask_count_eps']),
    node('Mul', ['x0', 'mask_u'], ['masked']),
    node('ReduceSum', ['masked', 'axes_seq'], ['sum'], [intAttr('keepdims', 1)]),
    node('Div', ['sum', 'mask_count_eps'], ['ctx']),
    node('MatMul', ['x0', 'w0'], ['xw']),
    node('MatMul', ['ctx', 'u0'], ['cu']),
    node('Add', ['xw', 'cu'], ['xc']),
    node('Add', ['xc', 'b0'], ['pre']),
    node('Tanh', ['pre'], ['states']),
    // [CLS] is position 0 on the right-padded batch.
    node('Gather', ['states', 'zero'], ['cls'], [intAttr('axis', 1)]),
    node('MatMul', ['cls', 'pool_w'], ['pool_pre']),
    node('Add', ['pool_pre', 'pool_b'], ['pool_pre_b']),
    node('Tanh', ['pool_pre_b'], ['pooled']),
    node('MatMul', ['pooled', 'cls_w'], ['logit_pre']),
    node('Add', ['logit_pre', 'cls_b'], ['logits']),
  ];
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 7,
    producerName: 'rag-tiny-cross-encoder',
    opsetImport: [{ domain: '', version: 14 }],
    graph: {
      name: 'tiny_cross_encoder',
      node: nodes,
      initializer,
      input: [
        valueInfo('input_ids', INT64, ['batch', 'seq']),
        valueInfo('attention_mask', INT64, ['batch', 'seq']),
        valueInfo('token_type_ids', INT64, ['batch', 'seq']),
      ],
      output: [valueInfo('logits', FLOAT, ['batch', 1])],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/**
 * Writes `config.json` (BertForSequenceClassification, one label), the tokenizer files and
 * `onnx/model.onnx`; returns `dir`.
 */
export async function writeTinyCrossEncoder(dir: string, options: TinyCrossEncoderOptions = {}): Promise<string> {
  const hidden = options.hidden ?? 32;
  const maxPositions = options.maxPositions ?? 64;
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  await writeFile(path.join(dir, 'onnx', 'model.onnx'), buildTinyCrossEncoderOnnx(options));
  await writeBertFolderFiles(dir, { hidden, layers: 1, heads: 1, ffn: hidden, maxPositions, vocabulary: tinyVocabulary(), variant: 'cls', poolingFile: false });
  const configFile = path.join(dir, 'config.json');
  const { readFile } = await import('node:fs/promises');
  const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  await writeFile(configFile, JSON.stringify({ ...config, architectures: ['BertForSequenceClassification'], id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 } }, null, 2));
  return dir;
}
