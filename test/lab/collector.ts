// An mTLS OTLP collector for the lab: HTTP/2 (gRPC) and HTTP/1.1 (OTLP/HTTP) on one loopback
// port, requiring a client certificate from the CAs it is given. requestCert + rejectUnauthorized
// are the SERVER's settings (the lab's server deciding about clients), never the doctor's.
// Also mints client certificates (clientAuth EKU by default), which pki.ts does not.
import http2 from "node:http2";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { connect, createServer as createNetServer } from "node:net";
import type net from "node:net";
import type tls from "node:tls";
import { randomBytes } from "node:crypto";
import { x509, daysFromNow, type Minted } from "../../src/lab/pki.js";
import { pemBundle } from "../../src/lab/origin.js";
import { closeServer, listenLoopback, LOOPBACK, SocketTracker, type LabServer } from "../../src/lab/util.js";

export interface CollectorRequest {
  method: string;
  path: string;
  httpVersion: string;
  contentType: string | undefined;
  /** Subject CN of the client certificate the request arrived with. */
  clientCn?: string;
}

export interface CollectorOptions {
  cert: Minted;
  chain?: Minted[];
  /** CAs whose client certificates the collector accepts. */
  clientCas: Minted[];
  /** Default true: a missing or untrusted client certificate is refused. */
  requireClientCert?: boolean;
  /**
   * "answer" (default); "close-after-handshake": finish TLS, then drop the connection; "hang":
   * accept the request and never answer it.
   */
  behaviour?: "answer" | "close-after-handshake" | "hang";
  /**
   * Answer every client certificate with this fatal TLS alert, as real collectors (Go, Envoy) do
   * for a certificate they refuse; e.g. ALERT.unknownCa. Node's own TLS server never sends one (it
   * just hangs up after the handshake), so a relay in front of a TLS 1.2 listener reads the
   * client's Certificate message (plaintext in TLS 1.2) and answers it with the alert.
   */
  alertOnClientCert?: number;
}

/** TLS AlertDescription values. */
export const ALERT = { badCertificate: 42, unsupportedCertificate: 43, certificateExpired: 45, unknownCa: 48, accessDenied: 49 } as const;

export interface Collector extends LabServer {
  requests: CollectorRequest[];
  /** 'tlsClientError' messages, e.g. a client certificate the collector refused. */
  tlsErrors: string[];
}

export async function startCollector(opts: CollectorOptions): Promise<Collector> {
  const sockets = new SocketTracker();
  const requests: CollectorRequest[] = [];
  const tlsErrors: string[] = [];
  const mandatory = opts.requireClientCert ?? true;
  const server = http2.createSecureServer({
    allowHTTP1: true,
    key: opts.cert.keyPem,
    cert: pemBundle(opts.cert, opts.chain),
    ca: opts.clientCas.map((c) => c.certPem),
    requestCert: true,
    rejectUnauthorized: mandatory,
    ...(opts.alertOnClientCert !== undefined ? { maxVersion: "TLSv1.2" as const } : {}),
  });
  server.on("connection", (s: net.Socket) => sockets.track(s));
  server.on("secureConnection", (s: tls.TLSSocket) => {
    sockets.track(s);
    if (opts.behaviour === "close-after-handshake") s.destroy();
  });
  server.on("tlsClientError", (err: Error) => tlsErrors.push(err.message));
  server.on("sessionError", () => undefined);
  server.on("request", (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const socket = req.socket as tls.TLSSocket;
    const peer = typeof socket.getPeerCertificate === "function" ? socket.getPeerCertificate() : undefined;
    const cn = peer && "subject" in peer && peer.subject ? (peer.subject.CN as string | undefined) : undefined;
    requests.push({ method: req.method, path: req.url, httpVersion: req.httpVersion, contentType: req.headers["content-type"], clientCn: cn });
    req.resume();
    if (opts.behaviour === "hang") return;
    req.on("end", () => {
      if (req.headers["content-type"]?.startsWith("application/grpc")) {
        res.writeHead(200, { "content-type": "application/grpc" });
        res.addTrailers({ "grpc-status": "0" });
        res.end();
        return;
      }
      const known = req.method === "POST" && /^\/v1\/(traces|metrics|logs)$/.test(req.url.split("?")[0] ?? "");
      res.writeHead(known ? 200 : 404, { "content-type": "application/json" });
      res.end(known ? "{}" : '{"error":"not found"}');
    });
  });
  const innerPort = await listenLoopback(server as unknown as net.Server);
  if (opts.alertOnClientCert === undefined) {
    return { port: innerPort, url: `https://${LOOPBACK}:${innerPort}`, requests, tlsErrors, close: () => closeServer(server as unknown as net.Server, sockets) };
  }
  const alert = opts.alertOnClientCert;
  const relay = createNetServer((client) => {
    sockets.track(client);
    const upstream = sockets.track(connect(innerPort, LOOPBACK));
    upstream.pipe(client);
    let buffered = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // Walk whole TLS records; a handshake record (22) carrying a Certificate message (11) is
      // the client's certificate: refuse it with a plaintext fatal alert, as the server would.
      while (buffered.length >= 5) {
        const length = buffered.readUInt16BE(3);
        if (buffered.length < 5 + length) return;
        const record = buffered.subarray(0, 5 + length);
        buffered = buffered.subarray(5 + length);
        if (record[0] === 22 && record[5] === 11) {
          upstream.unpipe(client);
          upstream.destroy();
          client.end(Buffer.from([21, 3, 3, 0, 2, 2, alert]));
          return;
        }
        upstream.write(record);
      }
    });
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  const port = await listenLoopback(relay);
  return {
    port,
    url: `https://${LOOPBACK}:${port}`,
    requests,
    tlsErrors,
    close: async () => {
      await closeServer(relay, sockets);
      await closeServer(server as unknown as net.Server, new SocketTracker());
    },
  };
}

export interface ClientCertOptions {
  cn: string;
  notBefore?: Date;
  notAfter?: Date;
  expired?: boolean;
  /** EKU OIDs; default [clientAuth]; null = no EKU extension. */
  eku?: string[] | null;
  /** keyUsage flags; default digitalSignature; null = no keyUsage extension. */
  keyUsage?: number | null;
}

export const EKU = { clientAuth: "1.3.6.1.5.5.7.3.2", serverAuth: "1.3.6.1.5.5.7.3.1" } as const;

/** A client (mTLS) certificate signed by `issuer`, ECDSA P-256. */
export async function mintClientCert(issuer: Minted, opts: ClientCertOptions): Promise<Minted> {
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as Minted["keys"];
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  const ku = opts.keyUsage === undefined ? x509.KeyUsageFlags.digitalSignature : opts.keyUsage;
  if (ku !== null) extensions.push(new x509.KeyUsagesExtension(ku, true));
  const eku = opts.eku === undefined ? [EKU.clientAuth] : opts.eku;
  if (eku !== null) extensions.push(new x509.ExtendedKeyUsageExtension(eku));
  const issuerSki = issuer.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (issuerSki) extensions.push(new x509.AuthorityKeyIdentifierExtension(issuerSki));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString("hex"),
    subject: `CN=${opts.cn}`,
    issuer: issuer.cert.subject,
    notBefore: opts.notBefore ?? (opts.expired ? daysFromNow(-30) : daysFromNow(-1)),
    notAfter: opts.notAfter ?? (opts.expired ? daysFromNow(-1) : daysFromNow(90)),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: issuer.keys.privateKey.algorithm.name === "ECDSA" ? { name: "ECDSA", hash: "SHA-256" } : { name: "RSASSA-PKCS1-v1_5" },
    extensions,
  });
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  const certPem = cert.toString("pem");
  const keyPem = x509.PemConverter.encode(pkcs8, "PRIVATE KEY");
  return {
    cert,
    certPem: certPem.endsWith("\n") ? certPem : `${certPem}\n`,
    certDer: Buffer.from(cert.rawData),
    keyPem: keyPem.endsWith("\n") ? keyPem : `${keyPem}\n`,
    keys,
  };
}
