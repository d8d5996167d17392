import { RagError } from '../errors.js';

/** What an interrupted evaluation reports: nothing half-done is left anywhere. */
export function interruptedEval(): RagError {
  return new RagError('interrupted', 'eval interrupted: no reports were written and its temporary indexes are removed');
}
