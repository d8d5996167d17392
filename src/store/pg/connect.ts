/**
 * Connections to PostgreSQL: a `pg` pool configured from a {@link PgLocation}, and the mapping
 * of the errors a user can cause (server down, wrong password, no pgvector, TLS refused) to one
 * line each. The password is looked up only when the server asks for it, and never appears in
 * a message.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { RagError, type ErrorCode, type ErrorDetails } from '../../errors.js';
import type { PgLocation } from './location.js';
import { lookupPgPass } from './pgpass.js';

import { DEFAULT_POOL_SIZE, type PgPoolOptions } from './pool-options.js';

export { DEFAULT_POOL_SIZE, type PgPoolOptions };

/** A pool for `location`. Connecting happens on first use; errors come back through {@link pgError}. */
export function createPool(location: PgLocation, options: PgPoolOptions = {}): pg.Pool {
  const env = options.env ?? process.env;
  const password = async (): Promise<string> => {
    if (location.password !== undefined) return location.password;
    const fromEnv = env['PGPASSWORD'];
    if (fromEnv !== undefined) return fromEnv;
    const found = await lookupPgPass(location, env);
    if (found.kind === 'found') return found.password;
    const asks = `PostgreSQL at ${location.host}:${location.port} asks for a password for user ${location.user}`;
    if (found.kind === 'insecure') {
      throw new RagError('database-auth', `${asks}; ${found.file} was ignored because group or others can read it: chmod 600 it`);
    }
    throw new RagError('database-auth', `${asks}; put it in the URL, PGPASSWORD or ~/.pgpass`);
  };
  // Our own sockets, so endPool can close one that pg leaves open after a failed login
  // (it would keep the process alive).
  const sockets = new Set<net.Socket>();
  const pool = new pg.Pool({
    stream: () => {
      const socket = new net.Socket();
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      return socket;
    },
    host: location.host,
    port: location.port,
    database: location.database,
    user: location.user,
    password,
    ssl: sslOptions(location),
    application_name: location.applicationName,
    connectionTimeoutMillis: location.connectTimeoutSeconds * 1000,
    max: options.max ?? DEFAULT_POOL_SIZE,
    idleTimeoutMillis: 10_000,
  });
  // An idle client losing its connection (server restart) must not crash the process; the next
  // query gets a fresh connection or a clear error.
  pool.on('error', () => undefined);
  // pg-pool drops its error listener while a client is checked out (an ingest holds one for its
  // whole run): without one of ours, the server dying would crash the process with an unhandled
  // 'error' event. The client's next query then fails, and pgError turns that into one line.
  pool.on('connect', (client) => client.on('error', () => undefined));
  poolSockets.set(pool, sockets);
  return pool;
}

const poolSockets = new WeakMap<pg.Pool, Set<net.Socket>>();

/** Ends the pool and closes any socket it left behind; never throws. */
export async function endPool(pool: pg.Pool): Promise<void> {
  await pool.end().catch(() => undefined);
  for (const socket of poolSockets.get(pool) ?? []) socket.destroy();
}

function sslOptions(location: PgLocation): false | ConnectionOptions {
  if (location.sslMode === 'disable') return false;
  const read = (file: string | undefined, what: string, param: string): string | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new RagError('database-auth', `cannot read the TLS ${what} (${param}) ${file} named in the index URL`, {
        details: { advice: `pg-tls-${param}`, param, file },
      });
    }
  };
  const ca = read(location.sslRootCert, 'root certificate', 'sslrootcert');
  const cert = read(location.sslCert, 'client certificate', 'sslcert');
  const key = read(location.sslKey, 'client key', 'sslkey');
  const options: ConnectionOptions = {
    // `require` encrypts without checking who answers (libpq's meaning); the verify modes check.
    rejectUnauthorized: location.sslMode !== 'require',
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
  // verify-ca checks the chain but not the host name.
  if (location.sslMode === 'verify-ca') options.checkServerIdentity = () => undefined;
  return options;
}

/** SQLSTATE of a server error, or the errno code of a socket error. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/**
 * A RagError saying, in one line, what went wrong talking to `location`, for errors a user can
 * fix; other errors are returned unchanged (they are bugs or need the stack).
 */
export function pgError(error: unknown, location: PgLocation): unknown {
  if (error instanceof RagError) return error;
  const where = `${location.host}:${location.port}`;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const wrap = (errorCode: ErrorCode, text: string, details?: ErrorDetails): RagError =>
    new RagError(errorCode, text, details === undefined ? { cause: error } : { cause: error, details });
  switch (code) {
    case 'ECONNREFUSED':
      return wrap('database-unreachable', `cannot connect to PostgreSQL at ${where} (connection refused): is the server running, and on that port?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return wrap('database-unreachable', `cannot connect to PostgreSQL: host ${location.host} not found`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return wrap('database-unreachable', `cannot connect to PostgreSQL at ${where} (${code}): check the host, port and firewall`);
    case 'ECONNRESET':
      return wrap('database-unreachable', `PostgreSQL at ${where} closed the connection; check the server log (too many connections? TLS required?)`);
    case '28P01':
      return wrap('database-auth', `PostgreSQL at ${where} rejected the password for user ${location.user}; check the URL, PGPASSWORD or ~/.pgpass`);
    case '28000':
      return wrap('database-auth', `PostgreSQL at ${where} refused user ${location.user} for database ${location.database} (${firstLine(message)})`);
    case '3D000':
      return wrap('database-missing', `PostgreSQL at ${where} has no database ${location.database}; create it or use another in the URL`);
    case '42501':
      return wrap('database-privilege', `PostgreSQL user ${location.user} lacks a privilege rag needs on ${location.database} (${firstLine(message)})`);
    case '53300':
      return wrap('database-unavailable', `PostgreSQL at ${where} has too many connections; try again later or raise max_connections`);
    case '57P01':
    case '57P02':
      return wrap('database-unreachable', `PostgreSQL at ${where} shut down or restarted while rag was using it; its unfinished transaction was rolled back: run the command again once the server is back`);
    case '57P03':
      return wrap('database-unavailable', `PostgreSQL at ${where} is starting up or shutting down; try again shortly`);
  }
  if (/does not support SSL/i.test(message)) {
    return wrap('database-auth', `PostgreSQL at ${where} does not accept TLS connections; use sslmode=disable in the index URL, or enable TLS on the server`, {
      advice: 'pg-no-tls',
      where,
    });
  }
  if (/self[- ]signed certificate|unable to verify|certificate|Hostname\/IP does not match/i.test(message) && location.sslMode !== 'disable') {
    return wrap('database-auth', `TLS to PostgreSQL at ${where} failed: ${firstLine(message)}; pass the server's CA with sslrootcert=FILE, or use sslmode=require`);
  }
  if (/timeout expired|Connection terminated due to connection timeout/i.test(message)) {
    return wrap('database-unreachable', `cannot connect to PostgreSQL at ${where} within ${location.connectTimeoutSeconds} s; check the host and port`);
  }
  if (/Connection terminated unexpectedly|not queryable|Connection terminated$/i.test(message)) {
    return wrap('database-unreachable', `PostgreSQL at ${where} closed the connection unexpectedly (server stopped or restarted?); anything not yet committed was rolled back: run the command again once the server is back`);
  }
  return error;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
