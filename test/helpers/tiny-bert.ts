/**
 * Builds a tiny BERT-shaped ONNX encoder and its tokenizer files in a folder, in Node, with
 * deterministic weights, so transformers.js code can be tested without the hub.
 *
 * The graph takes `input_ids`, `attention_mask`, `token_type_ids` and returns
 * `last_hidden_state` [batch, seq, hidden]. Each layer mixes every token with the masked mean
 * of the sequence, so an output depends on the token, its position and (through the mask) on
 * the other real tokens, but never on padding: a model fed a wrong attention mask gives other
 * vectors, which is what the batching tests need to notice.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { seededRandom } from '../../src/random.js';

const { onnx } = onnxProto;

export type TinyPooling = 'cls' | 'mean' | 'last_token';

export interface TinyModelOptions {
  /** Default 32. */
  hidden?: number;
  /** Default 1. */
  layers?: number;
  /** Maximum positions the graph supports. Default 128. */
  maxPositions?: number;
  /** Weight seed. Default 7. */
  seed?: number;
  /**
   * `cls` (default): a plain BERT folder without `1_Pooling`.
   * `mean`: adds a sentence-transformers `1_Pooling/config.json` declaring mean pooling.
   * `last_token`: decoder-style: positions counted from the attention mask (so left padding
   * gives the same states), no [CLS]/[SEP] added by the tokenizer, `eos_token` = [SEP],
   * and `1_Pooling/config.json` declaring last-token pooling.
   */
  variant?: TinyPooling;
}

export const TINY_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const ENGLISH_WORDS = [
  'the', 'a', 'an', 'of', 'and', 'to', 'in', 'is', 'are', 'for', 'on', 'with', 'how', 'what', 'does',
  'vector', 'database', 'search', 'retrieval', 'model', 'query', 'document', 'fast', 'index', 'embed',
  'embedding', 'text', 'speed', 'hello', 'world', 'represent', 'this', 'sentence', 'searching', 'relevant',
  'passage', 'passages', 'instruct', 'given', 'web', 'retrieve', 'that', 'answer', 'cat', 'dog', 'sat',
  'mat', 'quick', 'brown', 'fox', 'jump', 'over', 'lazy', 'run', 'token', 'chunk', 'rank',
  '##s', '##ing', '##ed', '##er', '##ly', '##es', '##al',
  '.', ',', '?', '!', ':', ';', '-', '(', ')', "'", '"',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
];

const CJK_CHARS =
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞库检索句章文档向量查询嵌入模型今天气怎么样北京。，？！：；、';

/** The vocabulary in id order (specials first), shared by every variant. */
export function tinyVocabulary(): string[] {
  const seen = new Set<string>();
  const vocab: string[] = [];
  for (const token of [...TINY_SPECIAL_TOKENS, ...ENGLISH_WORDS, ...Array.from(CJK_CHARS)]) {
    if (!seen.has(token)) {
      seen.add(token);
      vocab.push(token);
    }
  }
  return vocab;
}

const prng = seededRandom;

const FLOAT = 1;
const INT64 = 7;

export function floatTensor(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

export function int64Tensor(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  const data = BigInt64Array.from(values.map(BigInt));
  return { name, dims, dataType: INT64, rawData: new Uint8Array(data.buffer) };
}

export function randomMatrix(next: () => number, rows: number, cols: number, scale: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = (next() * 2 - 1) * scale;
  return out;
}

export function node(opType: string, inputs: string[], outputs: string[], attribute: onnxProto.onnx.IAttributeProto[] = []): onnxProto.onnx.INodeProto {
  return { opType, input: inputs, output: outputs, name: outputs[0] ?? opType, attribute };
}

export function intAttr(name: string, value: number): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

export function valueInfo(name: string, elemType: number, dims: (string | number)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** Serialized ONNX model bytes for the given options. */
export function buildTinyOnnx(options: TinyModelOptions = {}): Uint8Array {
  const hidden = options.hidden ?? 32;
  const layers = options.layers ?? 1;
  const maxPositions = options.maxPositions ?? 128;
  const variant = options.variant ?? 'cls';
  const vocabSize = tinyVocabulary().length;
  const next = prng(options.seed ?? 7);

  const initializer: onnxProto.onnx.ITensorProto[] = [
    floatTensor('word_emb', [vocabSize, hidden], randomMatrix(next, vocabSize, hidden, 1)),
    floatTensor('pos_emb', [maxPositions, hidden], randomMatrix(next, maxPositions, hidden, 0.5)),
    floatTensor('type_emb', [2, hidden], randomMatrix(next, 2, hidden, 0.1)),
    int64Tensor('one', [], [1]),
    int64Tensor('axes_seq', [1], [1]),
    int64Tensor('axes_last', [1], [2]),
    floatTensor('eps', [], Float32Array.of(1e-6)),
  ];
  const nodes: onnxProto.onnx.INodeProto[] = [
    node('Gather', ['word_emb', 'input_ids'], ['word']),
    node('Gather', ['type_emb', 'token_type_ids'], ['type']),
  ];
  if (variant === 'last_token') {
    // Decoder-style positions: counted over real tokens, so left padding does not shift them.
    nodes.push(
      node('CumSum', ['attention_mask', 'one'], ['mask_cumsum']),
      node('Sub', ['mask_cumsum', 'one'], ['pos_raw']),
      node('Mul', ['pos_raw', 'attention_mask'], ['pos_ids']),
    );
  } else {
    initializer.push(int64Tensor('zero', [], [0]));
    nodes.push(
      node('Shape', ['input_ids'], ['ids_shape']),
      node('Gather', ['ids_shape', 'one'], ['seq_len'], [intAttr('axis', 0)]),
      node('Range', ['zero', 'seq_len', 'one'], ['pos_ids']),
    );
  }
  nodes.push(
    node('Gather', ['pos_emb', 'pos_ids'], ['pos']),
    node('Add', ['word', 'type'], ['word_type']),
    node('Add', ['word_type', 'pos'], ['x0']),
    node('Cast', ['attention_mask'], ['mask_f'], [intAttr('to', FLOAT)]),
    node('Unsqueeze', ['mask_f', 'axes_last'], ['mask_u']),
    node('ReduceSum', ['mask_u', 'axes_seq'], ['mask_count'], [intAttr('keepdims', 1)]),
    node('Add', ['mask_count', 'eps'], ['mask_count_eps']),
  );
  const scale = 1 / Math.sqrt(hidden);
  let x = 'x0';
  for (let l = 0; l < layers; l++) {
    initializer.push(
      floatTensor(`w${l}`, [hidden, hidden], randomMatrix(next, hidden, hidden, scale)),
      floatTensor(`u${l}`, [hidden, hidden], randomMatrix(next, hidden, hidden, scale)),
      floatTensor(`b${l}`, [hidden], randomMatrix(next, 1, hidden, 0.1)),
    );
    const out = l === layers - 1 ? 'last_hidden_state' : `h${l}`;
    nodes.push(
      node('Mul', [x, 'mask_u'], [`masked${l}`]),
      node('ReduceSum', [`masked${l}`, 'axes_seq'], [`sum${l}`], [intAttr('keepdims', 1)]),
      node('Div', [`sum${l}`, 'mask_count_eps'], [`ctx${l}`]),
      node('MatMul', [x, `w${l}`], [`xw${l}`]),
      node('MatMul', [`ctx${l}`, `u${l}`], [`cu${l}`]),
      node('Add', [`xw${l}`, `cu${l}`], [`sum_xc${l}`]),
      node('Add', [`sum_xc${l}`, `b${l}`], [`pre${l}`]),
      node('Tanh', [`pre${l}`], [out]),
    );
    x = out;
  }

  return encodeEncoderGraph({ producerName: 'rag-tiny-bert', irVersion: 7, opset: 14, name: 'tiny_bert' }, nodes, initializer, hidden);
}

/**
 * Serialises an encoder graph with the inputs and output transformers.js expects of a BERT
 * feature-extraction model (`input_ids`, `attention_mask`, `token_type_ids` → `last_hidden_state`).
 */
export function encodeEncoderGraph(
  meta: { producerName: string; irVersion: number; opset: number; name: string },
  nodes: onnxProto.onnx.INodeProto[],
  initializer: onnxProto.onnx.ITensorProto[],
  hidden: number,
): Uint8Array {
  const model: onnxProto.onnx.IModelProto = {
    irVersion: meta.irVersion,
    producerName: meta.producerName,
    opsetImport: [{ domain: '', version: meta.opset }],
    graph: {
      name: meta.name,
      node: nodes,
      initializer,
      input: [
        valueInfo('input_ids', INT64, ['batch', 'seq']),
        valueInfo('attention_mask', INT64, ['batch', 'seq']),
        valueInfo('token_type_ids', INT64, ['batch', 'seq']),
      ],
      output: [valueInfo('last_hidden_state', FLOAT, ['batch', 'seq', hidden])],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export function addedToken(content: string, id: number): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** tokenizer.json for a WordPiece vocabulary (specials first, as {@link TINY_SPECIAL_TOKENS}). */
export function tokenizerJson(variant: TinyPooling, vocab: readonly string[] = tinyVocabulary()): Record<string, unknown> {
  const ids: Record<string, number> = {};
  vocab.forEach((token, i) => {
    ids[token] = i;
  });
  const special = (token: string): Record<string, unknown> => ({ id: token, ids: [ids[token]], tokens: [token] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: TINY_SPECIAL_TOKENS.map((t, i) => addedToken(t, i)),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor:
      variant === 'last_token'
        ? null
        : {
            type: 'TemplateProcessing',
            single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
            pair: [
              { SpecialToken: { id: '[CLS]', type_id: 0 } },
              { Sequence: { id: 'A', type_id: 0 } },
              { SpecialToken: { id: '[SEP]', type_id: 0 } },
              { Sequence: { id: 'B', type_id: 1 } },
              { SpecialToken: { id: '[SEP]', type_id: 1 } },
            ],
            special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
          },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}

/**
 * Writes a model folder (`config.json`, `tokenizer.json`, `tokenizer_config.json`,
 * `onnx/model.onnx`, and `1_Pooling/config.json` for the mean and last-token variants) and
 * returns `dir`.
 */
export async function writeTinyModel(dir: string, options: TinyModelOptions = {}): Promise<string> {
  const hidden = options.hidden ?? 32;
  const maxPositions = options.maxPositions ?? 128;
  const variant = options.variant ?? 'cls';
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  await writeFile(path.join(dir, 'onnx', 'model.onnx'), buildTinyOnnx(options));
  await writeBertFolderFiles(dir, {
    hidden,
    layers: options.layers ?? 1,
    heads: 1,
    ffn: hidden,
    maxPositions,
    vocabulary: tinyVocabulary(),
    variant,
    poolingFile: variant !== 'cls',
  });
  return dir;
}

/**
 * Writes what transformers.js reads beside the ONNX graph: `config.json`, `tokenizer.json`,
 * `tokenizer_config.json` (left padding and an EOS for last-token models) and, when
 * `poolingFile`, a sentence-transformers `1_Pooling/config.json`.
 */
export async function writeBertFolderFiles(
  dir: string,
  spec: {
    hidden: number;
    layers: number;
    heads: number;
    ffn: number;
    maxPositions: number;
    vocabulary: readonly string[];
    variant: TinyPooling;
    poolingFile: boolean;
  },
): Promise<void> {
  const { hidden, maxPositions, variant } = spec;
  const config = {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: hidden,
    num_hidden_layers: spec.layers,
    num_attention_heads: spec.heads,
    intermediate_size: spec.ffn,
    max_position_embeddings: maxPositions,
    vocab_size: spec.vocabulary.length,
    type_vocab_size: 2,
    pad_token_id: 0,
  };
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(variant, spec.vocabulary)));
  const tokenizerConfig: Record<string, unknown> = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: maxPositions,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  };
  if (variant === 'last_token') {
    tokenizerConfig.eos_token = '[SEP]';
    tokenizerConfig.padding_side = 'left';
  }
  await writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2));
  if (spec.poolingFile) {
    await mkdir(path.join(dir, '1_Pooling'), { recursive: true });
    const pooling = {
      word_embedding_dimension: hidden,
      pooling_mode_cls_token: variant === 'cls',
      pooling_mode_mean_tokens: variant === 'mean',
      pooling_mode_max_tokens: false,
      pooling_mode_mean_sqrt_len_tokens: false,
      pooling_mode_weightedmean_tokens: false,
      pooling_mode_lasttoken: variant === 'last_token',
      include_prompt: true,
    };
    await writeFile(path.join(dir, '1_Pooling', 'config.json'), JSON.stringify(pooling, null, 2));
  }
}
