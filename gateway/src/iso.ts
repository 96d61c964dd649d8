/** Instants travel as epoch milliseconds inside callgate and as ISO 8601 strings in its API. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}
