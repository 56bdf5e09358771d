// The network as Codex sees it, for the checks: its proxy choice, its trust set, its timeouts, and
// one gathered connection per host:port, memoised per run so the proxy, https, websocket and mcp
// checks share one verdict instead of each reaching (and reporting) the same cause again.
import type { CheckContext } from "../../src/context.js";
import { resolveProxy, type ProxyDecision } from "../../src/net/proxy.js";
import { establish, type EstablishResult, type PresentedChain } from "../../src/net/establish.js";
import { codexAnchors, platformAnchors } from "../../src/net/anchors.js";
import { candidateFiles, locateIssuer, type FoundCertificate } from "../../src/net/locate.js";
import { gatherConnection, hostKey, interceptionOf, type ConnectionFacts, type Interception } from "../../src/net/connection.js";

/** The proxy Codex picks for this URL (hyper-util's rules; --proxy overrides). */
export function routeAsCodex(ctx: CheckContext, url: URL): ProxyDecision {
  return resolveProxy(url.href, ctx.env, ctx.options.proxy);
}

/** establish() the way Codex connects: its trust set, the run's probe timeout and clock. */
export function connectAsCodex(ctx: CheckContext, url: URL, route: ProxyDecision, signal: AbortSignal): Promise<EstablishResult> {
  return establish({ url, route, anchors: codexAnchors(ctx.ca), timeoutMs: ctx.options.timeoutMs, signal, now: ctx.now });
}

interface RunMemo {
  connections: Map<string, Promise<ConnectionFacts>>;
  located: Map<string, Promise<FoundCertificate[]>>;
}

const memos = new WeakMap<CheckContext, RunMemo>();

function memoOf(ctx: CheckContext): RunMemo {
  let memo = memos.get(ctx);
  if (!memo) {
    memo = { connections: new Map(), located: new Map() };
    memos.set(ctx, memo);
  }
  return memo;
}

/** Where a certificate with this subject is on disk (platform store, CA variables, vendor paths). */
export function locateAsCodexSees(ctx: CheckContext, issuerDer: Uint8Array): Promise<FoundCertificate[]> {
  const memo = memoOf(ctx).located;
  const key = Buffer.from(issuerDer).toString("base64");
  let found = memo.get(key);
  if (!found) {
    found = locateIssuer(
      { platformRoots: ctx.ca.platformRoots, candidates: candidateFiles({ env: ctx.env, homedir: ctx.homedir, searchPaths: ctx.searchPaths }) },
      issuerDer,
    );
    memo.set(key, found);
  }
  return found;
}

export function interceptionAsCodexSees(ctx: CheckContext, url: URL, chain: PresentedChain): Promise<Interception | undefined> {
  return interceptionOf(chain, platformAnchors(ctx.ca), url.hostname, ctx.now);
}

/**
 * The gathered connection to this URL's host:port. The first caller's signal bounds it; later
 * callers share the same facts (a timeout is a fact too).
 */
export function connectionAsCodex(ctx: CheckContext, url: URL, signal: AbortSignal): Promise<ConnectionFacts> {
  const memo = memoOf(ctx).connections;
  const key = hostKey(url);
  let facts = memo.get(key);
  if (!facts) {
    const route = routeAsCodex(ctx, url);
    facts = gatherConnection({
      url,
      route,
      connect: () => connectAsCodex(ctx, url, route, signal),
      publicAnchors: platformAnchors(ctx.ca),
      now: ctx.now,
      locate: (der) => locateAsCodexSees(ctx, der),
    });
    memo.set(key, facts);
  }
  return facts;
}
