/** Byte counts for people: 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A log-prob as text, fixed precision, "-inf" for impossible. */
export function formatLogprob(lp: number): string {
  return Number.isFinite(lp) ? lp.toFixed(4) : lp < 0 ? '-inf' : String(lp);
}
