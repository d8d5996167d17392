/**
 * Turning text into token ids for an embedding model: special tokens kept on truncation,
 * an end-of-sequence token appended for last-token pooling.
 */

/** The part of a transformers.js tokenizer this module uses. */
export interface TokenEncoder {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
}

export interface EncodeOptions {
  /** Longest allowed sequence, special tokens included. */
  maxTokens: number;
  /**
   * Token id that must end every sequence (last-token pooling reads the state there). Appended
   * when the tokenizer did not add it; kept when truncating.
   */
  eosId?: number;
}

export interface EncodedText {
  ids: number[];
  /** The text was longer than `maxTokens` and lost its tail. */
  truncated: boolean;
}

/**
 * Encodes one text. Too-long text loses content tokens from its end while the special tokens
 * around it stay ([CLS] … [SEP], <s> … </s>), as Hugging Face tokenizers truncate; a plain cut
 * (what transformers.js does) would drop the closing token the model was trained to see.
 */
export function encodeText(tokenizer: TokenEncoder, text: string, options: EncodeOptions): EncodedText {
  const { maxTokens, eosId } = options;
  let full = tokenizer.encode(text);
  if (eosId !== undefined && full[full.length - 1] !== eosId) full = [...full, eosId];
  if (full.length <= maxTokens) return { ids: full, truncated: false };

  const content = tokenizer.encode(text, { add_special_tokens: false });
  const start = findSubsequence(full, content);
  if (start < 0) {
    // Special tokens changed how the content tokenizes; fall back to a plain cut.
    const ids = full.slice(0, maxTokens);
    if (eosId !== undefined) ids[ids.length - 1] = eosId;
    return { ids, truncated: true };
  }
  const before = full.slice(0, start);
  const after = full.slice(start + content.length);
  const budget = maxTokens - before.length - after.length;
  if (budget <= 0) return { ids: full.slice(0, maxTokens), truncated: true };
  return { ids: [...before, ...content.slice(0, budget), ...after], truncated: true };
}

/** Where `needle` first occurs as a contiguous run in `haystack`, or -1. */
export function findSubsequence(haystack: readonly number[], needle: readonly number[]): number {
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let i = 0; i < needle.length; i++) if (haystack[start + i] !== needle[i]) continue outer;
    return start;
  }
  return -1;
}
