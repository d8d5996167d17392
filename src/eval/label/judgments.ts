/**
 * Where judgments go: the dataset's graded qrels (`qrels/<split>.tsv`, rewritten atomically after
 * every judgment, so `rag eval` reads them at once) and an append-only log (`judgments.jsonl`:
 * who, when, which pool, the grade before). Labels name documents, never chunks, so they stay
 * valid for any chunking or model.
 */
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { RagError } from '../../errors.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { JUDGMENT_LOG } from '../querygen/generate.js';

/** The log of a chat model's judgments, apart from people's. */
export const MODEL_JUDGMENT_LOG = 'judgments.llm.jsonl';

export function modelQrelsFile(dataset: string, split: string): string {
  return path.join(dataset, 'qrels', `${split}.llm.tsv`);
}

/**
 * The labels people gave, replayed from the judgment log (the last entry per pair wins; undone
 * pairs drop out). Generated labels in the qrels are not in the log, so they never count as a person's.
 */
export async function personLabels(dataset: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let text = '';
  try {
    text = await readFile(path.join(dataset, JUDGMENT_LOG), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as Partial<JudgmentEntry>;
      if (typeof e.queryId !== 'string' || typeof e.docId !== 'string') continue;
      const key = `${e.queryId}\t${e.docId}`;
      if (typeof e.grade === 'number') out.set(key, e.grade);
      else out.delete(key);
    } catch {
      // A torn last line (killed while appending): its judgment is in the qrels already, the log misses it.
    }
  }
  return out;
}

export interface JudgmentEntry {
  time: string;
  who: string;
  action: 'judge' | 'undo';
  queryId: string;
  docId: string;
  /** The grade now in the qrels; null when the pair has no label any more (an undone first judgment). */
  grade: number | null;
  /** The grade before this entry, null when the pair had none. */
  previous: number | null;
  pool: { runs: string[]; depth: number };
}

export class JudgmentStore {
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    readonly qrelsFile: string,
    readonly logFile: string,
    /** `queryId\tdocId` -> grade, in file order (new labels go at the end). */
    private readonly labels: Map<string, number>,
  ) {}

  /** Opens the qrels of a BEIR dataset's split, where people's judgments go (the file must exist). */
  static async open(dataset: string, split: string): Promise<JudgmentStore> {
    return JudgmentStore.openFile(path.join(dataset, 'qrels', `${split}.tsv`), path.join(dataset, JUDGMENT_LOG), false);
  }

  /** The separate qrels a chat model's judgments go to (`qrels/<split>.llm.tsv`, created when absent). */
  static async openModel(dataset: string, split: string): Promise<JudgmentStore> {
    return JudgmentStore.openFile(modelQrelsFile(dataset, split), path.join(dataset, MODEL_JUDGMENT_LOG), true);
  }

  private static async openFile(qrelsFile: string, logFile: string, create: boolean): Promise<JudgmentStore> {
    const labels = new Map<string, number>();
    let text: string;
    try {
      text = await readFile(qrelsFile, 'utf8');
    } catch {
      if (create) return new JudgmentStore(qrelsFile, logFile, labels);
      throw new RagError('dataset-invalid', `labelling needs a BEIR dataset: ${qrelsFile} is missing`, {
        hint: 'make one with generateQueries(), or convert your queries.jsonl to corpus.jsonl, queries.jsonl and qrels/test.tsv',
        details: { advice: 'label-needs-beir', file: qrelsFile },
      });
    }
    for (const [i, raw] of text.split('\n').entries()) {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '' || (i === 0 && line.startsWith('query-id'))) continue;
      const [q, d, score] = line.split('\t');
      const grade = Number(score);
      if (q === undefined || d === undefined || !Number.isFinite(grade)) {
        throw new RagError('dataset-invalid', `${qrelsFile} line ${i + 1}: expected query-id, corpus-id and a numeric score`);
      }
      labels.set(`${q}\t${d}`, grade);
    }
    return new JudgmentStore(qrelsFile, logFile, labels);
  }

  /** Every label, `queryId\tdocId` -> grade. */
  entries(): ReadonlyMap<string, number> {
    return this.labels;
  }

  grade(queryId: string, docId: string): number | undefined {
    return this.labels.get(`${queryId}\t${docId}`);
  }

  isJudged(queryId: string, docId: string): boolean {
    return this.labels.has(`${queryId}\t${docId}`);
  }

  /**
   * Records a grade (or removes the label, grade null) and returns the log entry once the qrels
   * file has been replaced and the entry appended. Writes are serialised, so judgments from two
   * tabs never overwrite each other's file.
   */
  set(queryId: string, docId: string, grade: number | null, entry: Pick<JudgmentEntry, 'who' | 'action' | 'pool'>): Promise<JudgmentEntry> {
    const key = `${queryId}\t${docId}`;
    const previous = this.labels.get(key) ?? null;
    if (grade === null) this.labels.delete(key);
    else this.labels.set(key, grade);
    const logged: JudgmentEntry = { time: new Date().toISOString(), ...entry, queryId, docId, grade, previous };
    const content = ['query-id\tcorpus-id\tscore', ...[...this.labels].map(([k, g]) => `${k}\t${g}`)].join('\n') + '\n';
    const line = `${JSON.stringify(logged)}\n`;
    const write = this.writes.then(async () => {
      await writeFileAtomic(this.qrelsFile, content);
      await appendFile(this.logFile, line);
    });
    // A judgment that could not be saved (disk full, folder gone) is not kept in memory either:
    // the page reports the failure and shows the same pair again.
    write.catch(() => {
      if (previous === null) this.labels.delete(key);
      else this.labels.set(key, previous);
    });
    this.writes = write.catch(() => undefined);
    return write.then(() => logged);
  }
}
