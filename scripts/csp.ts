/**
 * The page's Content-Security-Policy, in one place: the build writes it as a <meta> tag into
 * every HTML page (vite.config.ts), and servers should send the same string as a header (a
 * meta policy does not reach the engine's Web Worker, which gets its policy from the worker
 * script's own response; the browser tests' server sends it, so the worker runs under it too).
 *
 * - no inline script, no eval; 'wasm-unsafe-eval' because the engines compile WebAssembly
 *   (web-llm's TVM runtime, the tokenizers);
 * - connect-src: this origin, the hosts of web-llm's prebuilt Llama-2 records (Hugging Face and
 *   its CDNs for weights, raw.githubusercontent.com for the model libraries), and the hosts you
 *   configure at build time: FTLAB_CONNECT_SRC="https://models.example.org https://data.example.org".
 */

/** Where web-llm's prebuilt records live (weights on Hugging Face, model libraries on GitHub). */
export const PREBUILT_MODEL_HOSTS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co', 'https://raw.githubusercontent.com'] as const;

/** Hosts from FTLAB_CONNECT_SRC (spaces or commas between them). */
export function configuredHosts(env: string | undefined = process.env.FTLAB_CONNECT_SRC): string[] {
  return (env ?? '').split(/[\s,]+/).filter((h) => h.length > 0);
}

export function contentSecurityPolicy(opts: { connect?: readonly string[] } = {}): string {
  const connect = [...new Set(["'self'", ...PREBUILT_MODEL_HOSTS, ...(opts.connect ?? configuredHosts())])];
  for (const h of connect) {
    if (/[;,'"\s]/.test(h.replace(/^'self'$/, ''))) throw new Error(`FTLAB_CONNECT_SRC: ${JSON.stringify(h)} is not a CSP host source (e.g. https://models.example.org)`);
  }
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** A Vite plugin: the policy as the first <meta> of every built HTML page (not in dev: Vite's dev client injects inline code). */
export function cspMetaPlugin(policy = contentSecurityPolicy()) {
  return {
    name: 'ftlab-csp-meta',
    apply: 'build' as const,
    transformIndexHtml(html: string): string {
      const tag = `<meta http-equiv="Content-Security-Policy" content="${policy}" />`;
      // After <meta charset> when there is one (it must stay first), else first in <head>.
      const charset = /<meta charset=[^>]*>/i.exec(html);
      if (charset) return html.replace(charset[0], `${charset[0]}\n    ${tag}`);
      return html.replace(/<head>/i, `<head>\n    ${tag}`);
    },
  };
}
