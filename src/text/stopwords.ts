/**
 * English stopwords removed before stemming: Lucene's classic English list, the list bm25s uses by
 * default, so our BM25 can be compared with the bm25s reference scores on the shared datasets.
 * Short on purpose: words like `not` or `no` are kept out of queries by IDF anyway.
 */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it',
  'no', 'not', 'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they',
  'this', 'to', 'was', 'will', 'with',
]);
