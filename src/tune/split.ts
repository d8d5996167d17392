/**
 * The held-out split of a labelled query set, by query, seeded. Queries are split as groups:
 * a generated query's group is the document it was generated from (queries.jsonl
 * `metadata.docId`), so two questions about one document never land on both sides, where the
 * test side would be scored on a document the model was taught to find. Other queries are their
 * own group. Leakage is impossible by construction: each group goes to one side, whole.
 */
import { createHash } from 'node:crypto';
import { RagError } from '../errors.js';
import { seededRandom } from '../random.js';

import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION } from './defaults.js';

export { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION };

export interface SplitOptions {
  /** Share of the groups put on the test side (0 < f < 1); default 0.2. */
  testFraction?: number;
  seed?: number;
}

export interface QuerySplit {
  train: string[];
  test: string[];
  /** Groups on each side (a group is a source document for generated queries, else one query). */
  trainGroups: number;
  testGroups: number;
  seed: number;
  testFraction: number;
}

/**
 * Splits `queryIds` (in their order) into train and test. `groupOf` names each query's group;
 * every query of a group goes to the same side. Groups are shuffled with the seed and the first
 * round(f · groups) go to test (at least one, and at least one stays for training).
 */
export function splitQueries(queryIds: readonly string[], groupOf: (queryId: string) => string, options: SplitOptions = {}): QuerySplit {
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  const seed = options.seed ?? DEFAULT_SPLIT_SEED;
  if (!(testFraction > 0 && testFraction < 1)) throw new RagError('usage', `invalid testFraction ${testFraction}: expected a number between 0 and 1 (e.g. 0.2)`, { details: { advice: 'test-fraction', testFraction } });
  const groups = [...new Set(queryIds.map(groupOf))];
  if (groups.length < 2) {
    throw new RagError('dataset-invalid', `${queryIds.length} labelled quer${queryIds.length === 1 ? 'y' : 'ies'} from ${groups.length} source group${groups.length === 1 ? '' : 's'}: a held-out split needs at least two`, {
      hint: 'label or generate more queries',
    });
  }
  // Sorted by a hash first so the split depends on the seed and the ids, not on file order.
  const keyed = groups.map((g) => ({ g, key: createHash('sha256').update(g).digest('hex') })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const random = seededRandom(seed);
  for (let i = keyed.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [keyed[i], keyed[j]] = [keyed[j]!, keyed[i]!];
  }
  const nTest = Math.min(groups.length - 1, Math.max(1, Math.round(testFraction * groups.length)));
  const testGroups = new Set(keyed.slice(0, nTest).map((k) => k.g));
  const train: string[] = [];
  const test: string[] = [];
  for (const id of queryIds) (testGroups.has(groupOf(id)) ? test : train).push(id);
  return { train, test, trainGroups: groups.length - nTest, testGroups: nTest, seed, testFraction };
}

/**
 * Query id -> group for `--group-by-relevant`: queries that share a judged-relevant document,
 * directly or through other queries, form one group (connected components, union-find), so no
 * relevant document is the answer on both sides of the split.
 */
export function groupsByRelevant(queries: ReadonlyArray<{ id: string; relevant: Readonly<Record<string, number>> }>): Map<string, string> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let y = x; y !== root; ) {
      const next = parent.get(y)!;
      parent.set(y, root);
      y = next;
    }
    return root;
  };
  const add = (x: string): void => {
    if (!parent.has(x)) parent.set(x, x);
  };
  for (const q of queries) {
    const self = `query\0${q.id}`;
    add(self);
    for (const [doc, grade] of Object.entries(q.relevant)) {
      if (grade <= 0) continue;
      const node = `doc\0${doc}`;
      add(node);
      const a = find(self);
      const b = find(node);
      if (a !== b) parent.set(a, b);
    }
  }
  return new Map(queries.map((q) => [q.id, find(`query\0${q.id}`)]));
}
