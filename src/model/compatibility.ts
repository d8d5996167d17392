/**
 * The one rule deciding whether a model and chunking settings may use an existing index, for
 * every store (the HNSW files, PostgreSQL) and every caller (ingest, query, eval): vectors from
 * another model, or from the same model under other settings, live in another space, and chunks
 * of another size would mix two indexes in one. Both are refused, never silently searched.
 */
import { RagError } from '../errors.js';
import type { ChunkingOptions } from './chunking.js';
import type { ModelInfo } from './model-info.js';

/** What an index was built with: the part of its manifest this rule reads. */
export interface IndexIdentity {
  readonly model: ModelInfo;
  readonly modelFingerprint: string;
  readonly chunking: ChunkingOptions;
}

/** What a caller wants to use an index with; a field left out is not checked. */
export interface WantedIdentity {
  /** The model's id: checked before a model is loaded, so a mismatch never waits for a download. */
  modelId?: string;
  /** The loaded model's fingerprint: catches the same model under other settings. */
  modelFingerprint?: string;
  /** The loaded model's info: lets a mismatch name the setting that differs. */
  model?: ModelInfo;
  /** Chunking settings asked for; only the fields given must match. */
  chunking?: Partial<ChunkingOptions>;
}

/** Throws a `model-mismatch` or `chunking-mismatch` RagError unless `wanted` fits the index at `location`. */
export function assertCompatible(location: string, built: IndexIdentity, wanted: WantedIdentity): void {
  const builtId = built.model.id;
  if (wanted.modelId !== undefined && wanted.modelId !== builtId) {
    throw new RagError('model-mismatch', `index ${location} was built with model ${builtId}, not ${wanted.modelId}`, {
      hint: `use model ${builtId} or ingest into another index`,
      details: { reason: 'model', location, builtModel: builtId, wantedModel: wanted.modelId },
    });
  }
  if (wanted.modelFingerprint !== undefined && wanted.modelFingerprint !== built.modelFingerprint) {
    const id = wanted.modelId ?? builtId;
    const fold = scriptFoldMismatch(built.model, wanted.model);
    if (id === builtId && fold !== undefined) {
      throw new RagError('model-mismatch', `index ${location} was built with script folding ${fold.built}, not ${fold.wanted}`, {
        hint: `use scriptFold ${fold.built}, or rebuild the index with scriptFold ${fold.wanted}`,
        details: { reason: 'script-fold', location, builtFold: fold.built, wantedFold: fold.wanted },
      });
    }
    const message =
      id === builtId
        ? `index ${location} was built with ${builtId} under other settings (fingerprint ${short(built.modelFingerprint)}, now ${short(wanted.modelFingerprint)})`
        : `index ${location} was built with model ${builtId}, not ${id}`;
    throw new RagError('model-mismatch', message, {
      hint: id === builtId ? 'ingest into a new index to use the new settings' : `use model ${builtId} or ingest into another index`,
      details: { reason: id === builtId ? 'settings' : 'model', location, builtModel: builtId, wantedModel: id },
    });
  }
  const asked = wanted.chunking;
  if (asked === undefined) return;
  const stored = built.chunking;
  const differs =
    (asked.chunkSize !== undefined && asked.chunkSize !== stored.chunkSize) ||
    (asked.chunkOverlap !== undefined && asked.chunkOverlap !== stored.chunkOverlap) ||
    (asked.lengthUnit !== undefined && asked.lengthUnit !== stored.lengthUnit);
  if (!differs) return;
  // The unit is named only when it is what differs: most users never set it.
  const unitDiffers = asked.lengthUnit !== undefined && asked.lengthUnit !== stored.lengthUnit;
  throw new RagError(
    'chunking-mismatch',
    `index ${location} was built with chunk size ${stored.chunkSize} and overlap ${stored.chunkOverlap}${unitDiffers ? ` in ${stored.lengthUnit}` : ''}`,
    {
      hint: 'use those settings, rebuild it to re-chunk, or ingest into another index',
      details: { location, chunkSize: stored.chunkSize, chunkOverlap: stored.chunkOverlap, ...(unitDiffers ? { lengthUnit: stored.lengthUnit } : {}) },
    },
  );
}

/** The `scriptFold` model parameter (absent = `none`, as before folding existed) when it is what differs. */
function scriptFoldMismatch(built: ModelInfo, wanted: ModelInfo | undefined): { built: string; wanted: string } | undefined {
  if (wanted === undefined || built.provider !== 'builtin' || wanted.provider !== 'builtin') return undefined;
  const a = String(built.params?.['scriptFold'] ?? 'none');
  const b = String(wanted.params?.['scriptFold'] ?? 'none');
  return a === b ? undefined : { built: a, wanted: b };
}

function short(fingerprint: string): string {
  return fingerprint.slice(0, 12);
}
