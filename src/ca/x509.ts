// The one place that boots @peculiar/x509: it needs reflect-metadata loaded first and, on Node,
// WebCrypto from globalThis.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
