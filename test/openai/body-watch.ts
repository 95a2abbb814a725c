/**
 * A fetch that notes when each response body has been read to its end, so a test can tell
 * "this token arrived while the answer was still coming" from "after the whole answer" (which
 * calling onToken after the fact would also pass if the test only looked at the promise).
 */
export function watchedFetch(): { fetchImpl: typeof fetch; openBodies: () => number; bodiesEnded: () => number } {
  let open = 0;
  let ended = 0;
  const fetchImpl: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (!res.body) return res;
    open++;
    const counted = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        flush: () => {
          open--;
          ended++;
        },
      }),
    );
    return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return { fetchImpl, openBodies: () => open, bodiesEnded: () => ended };
}
