// The one place that boots @peculiar/x509, and only on demand: it is large (~100 ms to load) and
// the CLI's own certificate work needs none of it (cert-fields.ts, dn.ts and node:crypto do).
// It needs reflect-metadata loaded first and, on Node, WebCrypto from globalThis.
export type X509Module = typeof import("@peculiar/x509");

let loading: Promise<X509Module> | undefined;

export function loadX509(): Promise<X509Module> {
  loading ??= (async () => {
    await import("reflect-metadata");
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(globalThis.crypto);
    return x509;
  })();
  return loading;
}
