/**
 * The pool settings callers pass, kept apart from connect.ts so the published declarations of
 * the pg index never import `pg`: a consumer type-checks rag without `@types/pg`.
 */

/** Connections per pool: one writer plus a few concurrent readers is all a CLI run needs. */
import type { RagWarning } from '../../warnings.js';

export const DEFAULT_POOL_SIZE = 4;

export interface PgPoolOptions {
  /** Maximum connections (default {@link DEFAULT_POOL_SIZE}). */
  max?: number;
  /** Environment for PGPASSWORD / PGPASSFILE / HOME (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Called with warnings worth telling the user (e.g. a table without an HNSW index). */
  onWarning?: (warning: RagWarning) => void;
}
