/**
 * A throwaway real PostgreSQL cluster for tests: `initdb` in a temp dir, its own port on
 * 127.0.0.1 and its own Unix socket dir, SCRAM-SHA-256 password auth on TCP, TLS with a CA and
 * server certificate made here with `openssl`, and pgvector created in the test database.
 *
 * initdb refuses to run as root, so a root test process runs the server binaries as the
 * `postgres` system user (`runuser -u postgres --`) in a folder chowned to it.
 *
 * When no server binaries are found, {@link findPgBinaries} says why and tests skip; with
 * RAG_REQUIRE_PG=1 (set by .ci/run) that skip becomes a failure, so CI always runs them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The superuser's password on TCP (the socket is trust-only, for the harness itself). */
export const SUPERUSER_PASSWORD = 'super-Secret-9x';

export interface PgBinaries {
  bin: string;
}

/** Server binaries ($RAG_PG_BIN, or the newest /usr/lib/postgresql/N/bin with initdb), or why there are none. */
export function findPgBinaries(): PgBinaries | { missing: string } {
  const fromEnv = process.env['RAG_PG_BIN'];
  const candidates: string[] = [];
  if (fromEnv !== undefined && fromEnv !== '') candidates.push(fromEnv);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(path.join(root, v, 'bin'));
  }
  for (const bin of candidates) {
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) {
      if (!existsSync(path.join(sharedir(bin), 'extension', 'vector.control'))) {
        return { missing: `pgvector is not installed for ${bin} (run .ci/install-system-packages.sh)` };
      }
      if (process.getuid?.() === 0 && !hasUser('postgres')) return { missing: 'running as root and there is no postgres system user for initdb' };
      return { bin };
    }
  }
  return { missing: 'no PostgreSQL server binaries (initdb, pg_ctl) found: set RAG_PG_BIN or install postgresql' };
}

/**
 * The `skip` option for node:test: false when a server is available, else the reason. Throws
 * under RAG_REQUIRE_PG=1 so CI cannot silently skip.
 */
export function pgSkip(): false | string {
  const found = findPgBinaries();
  if ('bin' in found) return false;
  if (process.env['RAG_REQUIRE_PG'] === '1') throw new Error(`RAG_REQUIRE_PG=1 but the real PostgreSQL tests cannot run: ${found.missing}`);
  return found.missing;
}

function sharedir(bin: string): string {
  try {
    return execFileSync(path.join(bin, 'pg_config'), ['--sharedir'], { encoding: 'utf8' }).trim();
  } catch {
    return path.join(bin, '..', '..', '..', '..', 'share', 'postgresql', path.basename(path.dirname(bin)));
  }
}

function hasUser(name: string): boolean {
  return spawnSync('id', ['-u', name]).status === 0;
}

export interface PgCluster {
  host: '127.0.0.1';
  port: number;
  /** Folder holding data/, the socket dir, certificates and the server log. */
  dir: string;
  /** The CA certificate that signed the server's (for sslrootcert=). */
  caFile: string;
  /** `postgres://USER[:PASSWORD]@127.0.0.1:PORT/DB?table=TABLE…`. */
  url(options: { user?: string; password?: string | null; database?: string; table: string; extra?: string; host?: string }): string;
  /** Runs SQL as the superuser in `database` (default `rag`). */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[], database?: string): Promise<R[]>;
  /** A superuser client on the Unix socket (caller ends it). */
  connect(database?: string): Promise<pg.Client>;
  /** `pg_ctl stop -m immediate`: the server dies as if killed (no shutdown checkpoint). */
  crash(): Promise<void>;
  /** `pg_ctl start -w` again on the same port (nothing if it runs). */
  start(): Promise<void>;
  /** The server log so far (for failure messages). */
  log(): Promise<string>;
  /** Stops the server and deletes the folder; safe to call twice. */
  destroy(): Promise<void>;
}

export interface PgClusterOptions {
  /** Role with a SCRAM password that owns database `rag` (default `rag` / {@link DEFAULT_PASSWORD}). */
  user?: string;
  password?: string;
  /** Extra postgresql.conf lines (benchmarks raise maintenance_work_mem, shared_buffers). */
  settings?: string[];
}

export const DEFAULT_PASSWORD = 'rag-Pa55:w@rd/Ω';

const live = new Set<{ bin: string; data: string }>();
// Last resort when a test process exits without its after() hook (crash, timeout): no cluster
// outlives the tests.
process.once('exit', () => {
  for (const { bin, data } of live) spawnSync(...asPostgres(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']), { stdio: 'ignore' });
});

function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

function run(command: string, args: string[], options: { cwd?: string } = {}): string {
  const [cmd, argv] = asPostgres(command, args);
  const result = spawnSync(cmd, argv, { encoding: 'utf8', cwd: options.cwd ?? os.tmpdir() });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  return result.stdout;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function openssl(args: string[], cwd: string): void {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
}

/** A CA and a server certificate for localhost / 127.0.0.1 signed by it. */
async function makeCertificates(dir: string): Promise<void> {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=rag test CA', '-keyout', 'ca.key', '-out', 'ca.crt'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], dir);
  await writeFile(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.crt'], dir);
}

/** initdb, configure, start, create role + database `rag` with pgvector. Call {@link PgCluster.destroy} in after(). */
export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const found = findPgBinaries();
  if (!('bin' in found)) throw new Error(found.missing);
  const { bin } = found;
  const user = options.user ?? 'rag';
  const password = options.password ?? DEFAULT_PASSWORD;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rag-pgc-'));
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'sock');
  const logFile = path.join(dir, 'server.log');
  const entry = { bin, data };
  let started = false;
  const destroy = async (): Promise<void> => {
    if (started) {
      const [cmd, argv] = asPostgres(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']);
      spawnSync(cmd, argv, { stdio: 'ignore', cwd: os.tmpdir() });
      started = false;
    }
    live.delete(entry);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await mkdir(socketDir);
    await makeCertificates(dir);
    const pwfile = path.join(dir, 'pwfile');
    await writeFile(pwfile, `${SUPERUSER_PASSWORD}\n`);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      for (const f of ['', 'sock', 'server.key', 'server.crt', 'ca.crt', 'pwfile']) await chown(path.join(dir, f), uid, gid);
    }
    await chmod(path.join(dir, 'server.key'), 0o600);
    run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    const port = await freePort();
    const conf = [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1, 127.0.0.2'",
      `unix_socket_directories = '${socketDir}'`,
      "password_encryption = 'scram-sha-256'",
      'ssl = on',
      `ssl_cert_file = '${path.join(dir, 'server.crt')}'`,
      `ssl_key_file = '${path.join(dir, 'server.key')}'`,
      // Durability of the machine's disk is not under test; a server crash (immediate stop) still
      // recovers everything committed, from the WAL in the OS page cache.
      'fsync = off',
      'max_connections = 60',
      'shared_buffers = 64MB',
      "log_min_messages = 'warning'",
      ...(options.settings ?? []),
    ];
    await writeFile(path.join(data, 'postgresql.conf'), `\n${conf.join('\n')}\n`, { flag: 'a' });
    // Local socket: trust (the harness); TCP: SCRAM only, with and without TLS. 127.0.0.2 is a
    // second address whose name is not in the server certificate (verify-full must refuse it).
    await writeFile(
      path.join(data, 'pg_hba.conf'),
      ['local all all trust', 'host all all 127.0.0.0/8 scram-sha-256', ''].join('\n'),
    );
    const pgCtl = (args: string[]): void => {
      run(path.join(bin, 'pg_ctl'), [...args, '-D', data]);
    };
    const startServer = async (): Promise<void> => {
      if (started) return;
      pgCtl(['start', '-w', '-t', '60', '-l', logFile]);
      started = true;
      live.add(entry);
    };
    await startServer();
    const connect = async (database = 'rag'): Promise<pg.Client> => {
      const client = new pg.Client({ host: socketDir, port, user: 'postgres', database });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    };
    const sql = async <R extends pg.QueryResultRow>(text: string, params: unknown[] = [], database = 'rag'): Promise<R[]> => {
      const client = await connect(database);
      try {
        return (await client.query<R>(text, params)).rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    const quotedPassword = `'${password.replace(/'/g, "''")}'`;
    await sql(`CREATE ROLE "${user}" LOGIN PASSWORD ${quotedPassword}`, [], 'postgres');
    await sql(`CREATE DATABASE rag OWNER "${user}"`, [], 'postgres');
    await sql('CREATE EXTENSION vector');
    return {
      host: '127.0.0.1',
      port,
      dir,
      caFile: path.join(dir, 'ca.crt'),
      url: ({ user: u = user, password: p = password, database = 'rag', table, extra = '', host = '127.0.0.1' }) => {
        const auth = p === null ? encodeURIComponent(u) : `${encodeURIComponent(u)}:${encodeURIComponent(p)}`;
        return `postgres://${auth}@${host}:${port}/${database}?table=${table}${extra}`;
      },
      sql,
      connect,
      crash: async () => {
        pgCtl(['stop', '-m', 'immediate', '-w']);
        started = false;
      },
      start: startServer,
      log: () => readFile(logFile, 'utf8').catch(() => ''),
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}
