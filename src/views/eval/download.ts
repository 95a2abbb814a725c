/** Saves text as a file through the browser's download (a Blob URL, revoked once the click has taken it). */
export function downloadText(fileName: string, text: string, type = 'application/x-ndjson'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference once started; a minute is plenty for the browser to begin it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
