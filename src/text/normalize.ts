/**
 * Canonical form of text before any tokenization: NFKC folds full-width Latin letters and digits
 * (`ＲＡＧ２０２４`) and compatibility ideographs into their ordinary forms, so a query typed with a
 * Chinese input method matches a document typed on a Latin keyboard. Lowercasing comes after NFKC
 * because NFKC can produce new uppercase letters (e.g. from `Ａ`).
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}
