/**
 * The local cross-encoders `--rerank` knows by name. Apart from cross-encoder.ts so that the CLI
 * can name them in its help without loading the reranker (and transformers.js around it).
 */
export interface CrossEncoderEntry {
  hubId: string;
  maxTokens: number;
}

/**
 * Registry aliases. bge-reranker-v2-m3 accepts 8192 tokens, but its card scores with
 * max_length=512, which is also what keeps a 100-deep rerank affordable on a CPU.
 */
export const CROSS_ENCODER_ALIASES: Readonly<Record<string, CrossEncoderEntry>> = {
  'bge-reranker-base': { hubId: 'BAAI/bge-reranker-base', maxTokens: 512 },
  'bge-reranker-large': { hubId: 'BAAI/bge-reranker-large', maxTokens: 512 },
  'bge-reranker-v2-m3': { hubId: 'BAAI/bge-reranker-v2-m3', maxTokens: 512 },
};
