/**
 * Defaults of `rag tune`, in a module without imports: the CLI declares its options from these
 * without loading models or datasets (`rag --help` stays fast).
 */

/** Share of the query groups held out as the test split. */
export const DEFAULT_TEST_FRACTION = 0.2;
export const DEFAULT_SPLIT_SEED = 42;
/** Share of the training groups early stopping watches (`rag tune adapter`). */
export const DEFAULT_VALIDATION_FRACTION = 0.2;
export const DEFAULT_NEGATIVES = 7;
/** Ranks 11..100 (skip the top 10), FlagEmbedding's usual `--range_for_sampling 10-100`. */
export const DEFAULT_NEGATIVE_RANGE = { skip: 10, depth: 100 } as const;

/** Hyper-parameters of the adapter fit (see fit.ts). */
export const DEFAULT_FIT = {
  epochs: 30,
  learningRate: 2e-3,
  temperature: 0.05,
  batchSize: 32,
  patience: 4,
  weightDecay: 1e-3,
} as const;
