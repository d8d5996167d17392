/**
 * The PostgreSQL password file (`~/.pgpass`, or $PGPASSFILE), read the way libpq reads it:
 * lines `hostname:port:database:username:password`, `*` matches anything in the first four
 * fields, `\:` and `\\` escape, `#` starts a comment line, the first matching line wins. Like
 * libpq, a file that group or others can read is ignored (with a warning from the caller).
 */
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface PgPassQuery {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** Where the password file is: $PGPASSFILE, else `$HOME/.pgpass`. */
export function pgPassPath(env: NodeJS.ProcessEnv = process.env): string {
  return env['PGPASSFILE'] ?? path.join(env['HOME'] ?? os.homedir(), '.pgpass');
}

export type PgPassLookup =
  | { kind: 'found'; password: string }
  | { kind: 'none' }
  /** The file exists but others can read it, so it is not used (libpq does the same). */
  | { kind: 'insecure'; file: string };

/** The password for `query` from the password file, if there is a matching line. */
export async function lookupPgPass(query: PgPassQuery, env: NodeJS.ProcessEnv = process.env): Promise<PgPassLookup> {
  const file = pgPassPath(env);
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) return { kind: 'none' };
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) return { kind: 'insecure', file };
    text = await readFile(file, 'utf8');
  } catch {
    return { kind: 'none' };
  }
  const password = matchPgPass(text, query);
  return password === undefined ? { kind: 'none' } : { kind: 'found', password };
}

/** The password of the first line of a password file's text that matches `query`. */
export function matchPgPass(text: string, query: PgPassQuery): string | undefined {
  const wanted = [query.host, String(query.port), query.database, query.user];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = splitFields(line);
    if (fields.length < 5) continue;
    const matches = wanted.every((value, i) => fields[i] === '*' || fields[i] === value);
    // libpq also treats "localhost" in the file as matching a Unix-socket connection; we only
    // speak TCP, so hosts compare as written.
    if (matches) return fields.slice(4).join(':');
  }
  return undefined;
}

function splitFields(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) {
      current += line[++i]!;
    } else if (ch === ':' && fields.length < 4) {
      fields.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  fields.push(current);
  return fields;
}
