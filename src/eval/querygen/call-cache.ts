/**
 * Replies already paid for, so a killed or repeated run asks the endpoint nothing twice. One JSON
 * line per reply, appended as it arrives (a line cut off by a crash is ignored when read back).
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChatMessage, ChatReply } from '../../llm/types.js';

export class CallCache {
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly replies: Map<string, ChatReply>,
  ) {}

  static async open(file: string, options: { create?: boolean } = {}): Promise<CallCache> {
    const replies = new Map<string, ChatReply>();
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const entry = JSON.parse(line) as { key?: unknown; text?: unknown; promptTokens?: unknown; completionTokens?: unknown };
        if (typeof entry.key !== 'string' || typeof entry.text !== 'string') continue;
        replies.set(entry.key, {
          text: entry.text,
          promptTokens: typeof entry.promptTokens === 'number' ? entry.promptTokens : 0,
          completionTokens: typeof entry.completionTokens === 'number' ? entry.completionTokens : 0,
        });
      } catch {
        // A torn last line from a killed run: that call is simply made again.
      }
    }
    if (options.create !== false) await mkdir(path.dirname(file), { recursive: true });
    return new CallCache(file, replies);
  }

  /** The key of one request: model, messages, sampling settings and the attempt number. */
  static key(model: string, messages: readonly ChatMessage[], extra: Record<string, string | number>): string {
    return createHash('sha256').update(JSON.stringify({ model, messages, extra })).digest('hex');
  }

  get size(): number {
    return this.replies.size;
  }

  has(key: string): boolean {
    return this.replies.has(key);
  }

  get(key: string): ChatReply | undefined {
    return this.replies.get(key);
  }

  /** Records a reply; lines are appended one at a time, in the order replies arrive. */
  put(key: string, reply: ChatReply): Promise<void> {
    this.replies.set(key, reply);
    const line = `${JSON.stringify({ key, ...reply })}\n`;
    this.writes = this.writes.then(() => appendFile(this.file, line));
    return this.writes;
  }

  flush(): Promise<void> {
    return this.writes;
  }
}
