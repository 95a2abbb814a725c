/** The current time as an ISO string (a plain module: stores stamp records with it). */
export function isoNow(): string {
  return new Date().toISOString();
}

/** Now, as the time an export is stamped with. */
export function exportTime(): Date {
  return new Date();
}
