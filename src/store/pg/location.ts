/**
 * `postgres://USER[:PASSWORD]@HOST[:PORT]/DB?table=NAME&sslmode=...`: where `--index` points at
 * PostgreSQL instead of a directory. Parsed here once; everything shown to users goes through
 * {@link PgLocation.display}, which never contains the password.
 */
import { RagError } from '../../errors.js';

/** Table used when the URL has no `table=` parameter. */
export const DEFAULT_PG_TABLE = 'rag_chunks';

/** TLS modes, as libpq names them (`prefer` and `allow` are not offered: pg cannot fall back). */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Query parameters this URL understands; anything else is refused so a typo is not ignored. */
const KNOWN_PARAMS = new Set(['table', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'application_name', 'connect_timeout', 'hnsw_m', 'hnsw_ef_construction']);

/** Lowercase identifiers only, short enough for the suffixes of the side tables (63-byte limit). */
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

export interface PgLocation {
  host: string;
  port: number;
  database: string;
  user: string;
  /** From the URL; undefined means PGPASSWORD or ~/.pgpass (looked up when the server asks). */
  password: string | undefined;
  table: string;
  sslMode: SslMode;
  sslRootCert: string | undefined;
  sslCert: string | undefined;
  sslKey: string | undefined;
  applicationName: string;
  connectTimeoutSeconds: number;
  /** HNSW `m` and `ef_construction` for a table this URL creates (undefined: rag's defaults). */
  hnswM: number | undefined;
  hnswEfConstruction: number | undefined;
  /** The URL without the password: safe for messages, summaries and reports. */
  display: string;
}

/** Whether `location` is a PostgreSQL URL rather than a directory. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location.trim());
}

/**
 * Parses a PostgreSQL `--index` URL. Defaults follow libpq: port 5432, user $PGUSER or the OS
 * user, database $PGDATABASE or the user name, sslmode $PGSSLMODE or `disable`.
 */
export function parsePgLocation(location: string, env: NodeJS.ProcessEnv = process.env): PgLocation {
  let url: URL;
  try {
    url = new URL(location.trim());
  } catch {
    // Never echo the input: it may hold a password.
    throw new RagError('index-location', 'the index location is not a valid PostgreSQL URL; use postgres://USER@HOST:PORT/DB?table=NAME', { details: { advice: 'pg-url-invalid' } });
  }
  const redacted = redactUrl(url);
  for (const key of url.searchParams.keys()) {
    if (!KNOWN_PARAMS.has(key)) {
      const known = [...KNOWN_PARAMS].join(', ');
      throw new RagError('index-location', `PostgreSQL index ${redacted}: unknown parameter "${key}"; use ${known}`, { details: { advice: 'pg-param-unknown', location: redacted, key, known } });
    }
  }
  const table = url.searchParams.get('table') ?? DEFAULT_PG_TABLE;
  if (!TABLE_NAME.test(table)) {
    throw new RagError('index-location', `PostgreSQL index ${redacted}: table "${table}" must be a lowercase identifier (letters, digits, _; at most 48 characters)`, {
      details: { advice: 'pg-table-invalid', location: redacted, table },
    });
  }
  const sslModeText = url.searchParams.get('sslmode') ?? env['PGSSLMODE'] ?? 'disable';
  if (!(SSL_MODES as readonly string[]).includes(sslModeText)) {
    const modes = SSL_MODES.join(', ');
    throw new RagError('index-location', `PostgreSQL index ${redacted}: sslmode "${sslModeText}" is not supported; use ${modes}`, {
      details: { advice: 'pg-sslmode', location: redacted, mode: sslModeText, modes },
    });
  }
  const port = url.port === '' ? Number(env['PGPORT'] ?? 5432) : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RagError('index-location', `PostgreSQL index ${redacted}: invalid port`, { details: { advice: 'pg-port', location: redacted } });
  const user = decode(url.username) || env['PGUSER'] || env['USER'] || 'postgres';
  const database = decode(url.pathname.replace(/^\//, '')) || env['PGDATABASE'] || user;
  const timeoutText = url.searchParams.get('connect_timeout');
  const connectTimeoutSeconds = timeoutText === null ? 10 : Number(timeoutText);
  if (!Number.isFinite(connectTimeoutSeconds) || connectTimeoutSeconds < 0) {
    throw new RagError('index-location', `PostgreSQL index ${redacted}: connect_timeout must be a number of seconds`, { details: { advice: 'pg-timeout', location: redacted } });
  }
  const integer = (name: string, min: number, max: number): number | undefined => {
    const text = url.searchParams.get(name);
    if (text === null) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RagError('index-location', `PostgreSQL index ${redacted}: ${name} must be an integer from ${min} to ${max} (pgvector's range)`, {
        details: { advice: 'pg-range', location: redacted, name, min, max },
      });
    }
    return value;
  };
  const hnswM = integer('hnsw_m', 2, 100);
  const hnswEfConstruction = integer('hnsw_ef_construction', 4, 1000);
  if (hnswEfConstruction !== undefined && hnswEfConstruction < 2 * (hnswM ?? 16)) {
    throw new RagError('index-location', `PostgreSQL index ${redacted}: hnsw_ef_construction must be at least twice hnsw_m (pgvector's rule)`, {
      details: { advice: 'pg-ef-construction', location: redacted },
    });
  }
  return {
    hnswM,
    hnswEfConstruction,
    host: decode(url.hostname).replace(/^\[(.*)\]$/, '$1') || env['PGHOST'] || 'localhost',
    port,
    database,
    user,
    password: url.password === '' ? undefined : decode(url.password),
    table,
    sslMode: sslModeText as SslMode,
    sslRootCert: url.searchParams.get('sslrootcert') ?? undefined,
    sslCert: url.searchParams.get('sslcert') ?? undefined,
    sslKey: url.searchParams.get('sslkey') ?? undefined,
    applicationName: url.searchParams.get('application_name') ?? 'rag',
    connectTimeoutSeconds,
    display: redacted,
  };
}

/** The URL as text without its password (user, host, port, database and parameters stay). */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.password = '';
  return copy.href;
}

/** `location` with any password removed; other strings are returned unchanged. */
export function displayLocation(location: string): string {
  if (!isPostgresLocation(location)) return location;
  try {
    return redactUrl(new URL(location.trim()));
  } catch {
    return 'postgres://(invalid URL)';
  }
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
