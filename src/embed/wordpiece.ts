/**
 * A fast re-implementation of the transformers.js 3.8.1 tokenizer for BERT WordPiece models
 * (`BertNormalizer` + `BertPreTokenizer` + `WordPiece` in tokenizer.json).
 *
 * Why it exists: for small embedding models, transformers.js's `tokenizer.encode` is about a
 * third of ingest CPU. Most of that is per-character regex tests (`_clean_text` runs a Unicode
 * property regex on every character), per-character array pushes, and a WordPiece loop that
 * builds a new string and a map lookup for every candidate length. Here most text is
 * normalized, split and looked up in one pass over the input with precomputed character
 * tables, without building a normalized string; words already seen come from a bounded cache
 * without slicing the input; and new words are searched with filters that skip candidates no
 * vocabulary entry can match.
 *
 * It must give exactly the ids transformers.js gives, so it copies transformers.js's behaviour
 * (quirks included) rather than the Python/Rust tokenizers' where they differ, and
 * {@link fastBertTokenizer} returns `undefined` for any tokenizer.json / tokenizer_config.json it
 * does not reproduce, so the caller keeps using transformers.js for those. The character
 * tables are computed at run time from the regular expressions and string functions
 * transformers.js uses, so both agree whatever Unicode version the running Node ships.
 */
import { WordPieceEncoder, type AddedTokenSpec } from './wordpiece-encoder.js';

/** Token ids of a text, as transformers.js `encode(text, { add_special_tokens: false })`. */
export interface FastBertTokenizer {
  /**
   * Ids without special tokens ([CLS]/[SEP] are not added), identical to transformers.js 3.8.1
   * `tokenizer.encode(text, { add_special_tokens: false })` for the tokenizer.json and
   * tokenizer_config.json this was built from. Added tokens typed in the text (`[MASK]`,
   * `[SEP]`, ...) are split out and mapped as transformers.js does, so every text is handled.
   * The returned array is fresh; the caller may keep or change it.
   */
  encode(text: string): number[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * tokenizer_config.json `tokenizer_class` values (without `Fast`) whose transformers.js class
 * adds nothing to `PreTrainedTokenizer`'s encoding. Other classes (Llama's legacy handling,
 * Whisper/NLLB language tokens, ...) override `_encode_text` or the pipeline, so they are
 * declined even when tokenizer.json looks like BERT.
 */
const PLAIN_TOKENIZER_CLASSES = new Set([
  'PreTrainedTokenizer',
  'BertTokenizer',
  'DistilBertTokenizer',
  'ElectraTokenizer',
  'MobileBertTokenizer',
  'SqueezeBertTokenizer',
  'ConvBertTokenizer',
  'HerbertTokenizer',
  'RoFormerTokenizer',
  'MPNetTokenizer',
]);

/**
 * Whether tokenizer_config.json (parsed; undefined when the model has none) names a tokenizer
 * class this module can stand in for. Cheap: callers check it before reading tokenizer.json,
 * which is megabytes for the large-vocabulary models it would decline anyway.
 */
export function hasPlainTokenizerClass(tokenizerConfig: unknown): boolean {
  const config = tokenizerConfig === undefined ? {} : tokenizerConfig;
  if (!isRecord(config)) return false;
  const tokenizerClass = config.tokenizer_class ?? 'PreTrainedTokenizer';
  return typeof tokenizerClass === 'string' && PLAIN_TOKENIZER_CLASSES.has(tokenizerClass.replace(/Fast$/, ''));
}

/**
 * Whether, with `add_special_tokens: false`, the post-processor returns the sequence's tokens
 * unchanged. TemplateProcessing copies sequence A once per `Sequence: A` item of `single`, so a
 * template with A missing or repeated would change the ids; Sequence lists are declined.
 */
function postProcessorIsIdentity(pp: unknown): boolean {
  if (pp === null || pp === undefined) return true;
  if (!isRecord(pp)) return false;
  switch (pp.type) {
    case 'BertProcessing':
    case 'RobertaProcessing':
    case 'ByteLevel':
      return true;
    case 'TemplateProcessing': {
      if (!Array.isArray(pp.single)) return false;
      let sequences = 0;
      for (const item of pp.single) {
        if (!isRecord(item)) return false;
        if ('SpecialToken' in item) continue;
        if (!('Sequence' in item) || !isRecord(item.Sequence) || item.Sequence.id !== 'A') return false;
        sequences++;
      }
      return sequences === 1;
    }
    default:
      return false;
  }
}

/**
 * Builds a tokenizer that reproduces transformers.js 3.8.1 exactly for this tokenizer.json
 * (parsed) and tokenizer_config.json (parsed; omit only if the model has none, since
 * transformers.js reads `tokenizer_class`, `remove_space` and `do_lowercase_and_remove_accent`
 * from it), or `undefined` when the pipeline is not one it reproduces: anything but
 * BertNormalizer + BertPreTokenizer + WordPiece, a WordPiece model with `fuse_unk`, a
 * non-string `continuing_subword_prefix`, an `unk_token` with no id, a post-processor that
 * is not the identity without special tokens, or a tokenizer class that changes encoding.
 */
export function fastBertTokenizer(tokenizerJson: unknown, tokenizerConfig?: unknown): FastBertTokenizer | undefined {
  if (!isRecord(tokenizerJson)) return undefined;
  const config = tokenizerConfig === undefined ? {} : tokenizerConfig;
  if (!isRecord(config)) return undefined;

  if (!hasPlainTokenizerClass(config)) return undefined;

  const { normalizer, pre_tokenizer: preTokenizer, model, added_tokens: addedTokens } = tokenizerJson;
  if (!isRecord(normalizer) || normalizer.type !== 'BertNormalizer') return undefined;
  if (!isRecord(preTokenizer) || preTokenizer.type !== 'BertPreTokenizer') return undefined;
  if (!isRecord(model) || model.type !== 'WordPiece') return undefined;
  if (!Array.isArray(addedTokens)) return undefined;
  if (!postProcessorIsIdentity(tokenizerJson.post_processor)) return undefined;
  if (model.fuse_unk) return undefined;
  if (!isRecord(model.vocab) || typeof model.unk_token !== 'string' || typeof model.continuing_subword_prefix !== 'string') return undefined;
  const maxChars = model.max_input_chars_per_word ?? 100;
  if (typeof maxChars !== 'number') return undefined;

  // transformers.js puts added tokens into the model's token → id map, after the vocabulary,
  // so WordPiece also matches them and their ids win over the vocabulary's.
  const ids = new Map<string, number>();
  for (const [token, id] of Object.entries(model.vocab)) {
    if (typeof id !== 'number') return undefined;
    ids.set(token, id);
  }
  const added: AddedTokenSpec[] = [];
  for (const t of addedTokens) {
    if (!isRecord(t) || typeof t.content !== 'string' || typeof t.id !== 'number') return undefined;
    ids.set(t.content, t.id);
    added.push({ content: t.content, lstrip: Boolean(t.lstrip), rstrip: Boolean(t.rstrip) });
  }
  const unkId = ids.get(model.unk_token);
  if (unkId === undefined) return undefined;

  // BertNormalizer tests its options for truthiness (a missing clean_text is false), and
  // strip_accents is "not false" when lowercasing, truthy otherwise.
  const lowercase = Boolean(normalizer.lowercase);
  return new WordPieceEncoder({
    ids,
    unkId,
    prefix: model.continuing_subword_prefix,
    maxChars,
    added,
    cleanText: Boolean(normalizer.clean_text),
    handleChinese: Boolean(normalizer.handle_chinese_chars),
    lowercase,
    stripAccents: lowercase ? normalizer.strip_accents !== false : Boolean(normalizer.strip_accents),
    removeSpace: config.remove_space === true,
    lowercaseAndRemoveAccent: Boolean(config.do_lowercase_and_remove_accent),
  });
}
