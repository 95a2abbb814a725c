/** The current time as an ISO string (a plain module: stores stamp records with it). */
export function isoNow(): string {
  return new Date().toISOString();
}
