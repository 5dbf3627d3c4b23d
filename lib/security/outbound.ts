import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

// Outbound-address guard (api-contract §8). Every address Gantry connects to on a user's behalf
// (custom storage endpoints, webhook URLs, URLs inside credential files) goes through
// assertOutboundAllowed first. Callers must then use the returned, normalised `url` (never the raw
// input string, whose reading by another parser may differ) and should connect to one of the
// returned `addresses` so a second DNS answer cannot swap in a private address (DNS rebinding).
// Redirects must not be followed.

export class OutboundBlockedError extends Error {
  readonly code = "endpoint_not_allowed" as const;
  readonly reason: string;

  constructor(reason: string) {
    // The message names the reason only: never resolved addresses, which would let a caller map
    // internal DNS.
    super(`Endpoint not allowed: ${reason.replace(/_/g, " ")}`);
    this.name = "OutboundBlockedError";
    this.reason = reason;
  }
}

/** Returns every address (v4 and v6) the host resolves to. */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((a) => a.address);
};

interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

export interface Allowlist {
  /** Lower-case host names without a trailing dot, compared exactly (no wildcards). */
  readonly hosts: ReadonlySet<string>;
  readonly cidrs: readonly Cidr[];
}

export const EMPTY_ALLOWLIST: Allowlist = { hosts: new Set(), cidrs: [] };

// ---------------------------------------------------------------------------------------------
// Address parsing

function ipv4Bytes(ip: string): Uint8Array | null {
  if (isIP(ip) !== 4) return null;
  return Uint8Array.from(ip.split(".").map(Number));
}

function ipv6Bytes(input: string): Uint8Array | null {
  const zone = input.indexOf("%");
  let s = zone >= 0 ? input.slice(0, zone) : input;
  if (isIP(s) !== 6) return null;
  const out = new Uint8Array(16);
  // A trailing dotted quad (::ffff:1.2.3.4) fills the last four bytes and stands for two groups.
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v4 = ipv4Bytes(tail);
    if (!v4) return null;
    out.set(v4, 12);
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = s.includes("::") ? s.split("::") : [s, undefined];
  const headGroups = head ? head.split(":") : [];
  const restGroups = rest ? rest.split(":") : [];
  const groups =
    rest === undefined
      ? headGroups
      : [...headGroups, ...Array<string>(8 - headGroups.length - restGroups.length).fill("0"), ...restGroups];
  if (groups.length !== 8) return null;
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    // Keep the embedded IPv4 bytes set above: its placeholder groups are "0".
    if (i < 6 || !tail.includes(".")) {
      out[i * 2] = v >> 8;
      out[i * 2 + 1] = v & 0xff;
    }
  });
  return out;
}

function addressBytes(ip: string): { family: 4 | 6; bytes: Uint8Array } | null {
  const v4 = ipv4Bytes(ip);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = ipv6Bytes(ip);
  if (v6) return { family: 6, bytes: v6 };
  return null;
}

function inCidr(bytes: Uint8Array, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== cidr.bytes[i]) return false;
  const bits = cidr.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (bytes[full] & mask) === (cidr.bytes[full] & mask);
}

function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf("/");
  const addr = (slash >= 0 ? text.slice(0, slash) : text).replace(/^\[(.*)\]$/, "$1");
  if (addr.includes("%")) return null;
  const parsed = addressBytes(addr);
  if (!parsed) return null;
  const max = parsed.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) return null;
    prefix = Number(p);
  }
  // Host bits are cleared so "10.1.2.3/8" means 10.0.0.0/8.
  const bytes = parsed.bytes.slice();
  for (let bit = prefix; bit < max; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  return { family: parsed.family, bytes, prefix };
}

function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new Error(`bad built-in CIDR ${text}`);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Blocked ranges, most specific first so the reason is the most useful one.

const BLOCKED: ReadonlyArray<readonly [Cidr, string]> = (
  [
    // Cloud metadata services (AWS/GCP/Azure/OCI IMDS, AWS IPv6 IMDS, Alibaba, Azure WireServer).
    ["169.254.169.254/32", "cloud_metadata"],
    ["fd00:ec2::254/128", "cloud_metadata"],
    ["100.100.100.200/32", "cloud_metadata"],
    ["168.63.129.16/32", "cloud_metadata"],
    ["192.0.0.192/32", "cloud_metadata"],
    // IPv4
    ["0.0.0.0/8", "unspecified"],
    ["127.0.0.0/8", "loopback"],
    ["10.0.0.0/8", "private"],
    ["172.16.0.0/12", "private"],
    ["192.168.0.0/16", "private"],
    ["169.254.0.0/16", "link_local"],
    ["100.64.0.0/10", "cgnat"],
    ["198.18.0.0/15", "benchmarking"],
    ["192.0.2.0/24", "documentation"],
    ["198.51.100.0/24", "documentation"],
    ["203.0.113.0/24", "documentation"],
    ["192.0.0.0/24", "reserved"], // IETF protocol assignments
    ["192.88.99.0/24", "reserved"], // deprecated 6to4 relay anycast
    ["224.0.0.0/4", "multicast"],
    ["240.0.0.0/4", "reserved"], // includes 255.255.255.255
    // IPv6
    ["::/128", "unspecified"],
    ["::1/128", "loopback"],
    // IPv4 embedded in IPv6 is refused outright (contract §8), whatever the IPv4 part is.
    ["::ffff:0:0/96", "ipv4_embedded_in_ipv6"], // IPv4-mapped
    ["::ffff:0:0:0/96", "ipv4_embedded_in_ipv6"], // SIIT IPv4-translated
    ["::/96", "ipv4_embedded_in_ipv6"], // IPv4-compatible (deprecated)
    ["64:ff9b::/96", "ipv4_embedded_in_ipv6"], // NAT64 well-known prefix
    ["64:ff9b:1::/48", "ipv4_embedded_in_ipv6"], // NAT64 local-use
    ["2002::/16", "ipv4_embedded_in_ipv6"], // 6to4
    ["2001::/32", "ipv4_embedded_in_ipv6"], // Teredo
    ["100::/64", "reserved"], // discard-only
    ["2001:2::/48", "benchmarking"],
    ["2001:db8::/32", "documentation"],
    ["3fff::/20", "documentation"],
    ["2001::/23", "reserved"], // IETF protocol assignments (ORCHID etc.)
    ["fc00::/7", "unique_local"],
    ["fe80::/10", "link_local"],
    ["fec0::/10", "site_local"],
    ["ff00::/8", "multicast"],
  ] as const
).map(([c, reason]) => [cidr(c), reason] as const);

// Everything outside 2000::/3 (global unicast) is unassigned or special: refused.
const GLOBAL_UNICAST_V6 = cidr("2000::/3");

/** The reason an address must not be contacted, or null when it is a public address. */
export function isBlockedAddress(ip: string): string | null {
  const parsed = addressBytes(ip.replace(/^\[(.*)\]$/, "$1"));
  if (!parsed) return "invalid_address";
  for (const [range, reason] of BLOCKED) if (inCidr(parsed.bytes, range)) return reason;
  if (parsed.family === 6 && !inCidr(parsed.bytes, GLOBAL_UNICAST_V6)) return "reserved";
  return null;
}

// ---------------------------------------------------------------------------------------------
// Allowlist

function normaliseHostName(host: string): string {
  return host.toLowerCase().replace(/\.$/, "");
}

/**
 * Parses `GANTRY_OUTBOUND_ALLOWLIST`: comma-separated host names, IP addresses and CIDRs, v4 or v6
 * (e.g. `127.0.0.1,localhost,10.0.0.0/8,::1`). Host names match exactly. IP entries match only
 * addresses of the same family: allowlisting 127.0.0.1 does not admit ::ffff:127.0.0.1.
 * Throws on an entry it cannot read, so a typo stops start-up instead of silently allowing less.
 */
export function parseAllowlist(raw: string | undefined): Allowlist {
  const hosts = new Set<string>();
  const cidrs: Cidr[] = [];
  for (const part of (raw ?? "").split(",")) {
    const entry = part.trim();
    if (!entry) continue;
    const bare = entry.replace(/^\[(.*)\]$/, "$1");
    if (entry.includes("/") || isIP(bare) !== 0) {
      const c = parseCidr(entry);
      if (!c) throw new Error(`Outbound allowlist: "${entry}" is not a valid IP address or CIDR`);
      cidrs.push(c);
      continue;
    }
    // Host names go through the same WHATWG parser as URLs, so IDNs, case and numeric IPv4 forms
    // ("127.1") compare equal to what assertOutboundAllowed sees.
    let hostname: string;
    try {
      if (/[\s@:/?#\\*]/.test(entry)) throw new Error("forbidden character");
      hostname = new URL(`http://${entry}/`).hostname;
    } catch {
      throw new Error(`Outbound allowlist: "${entry}" is not a valid host name, IP address or CIDR`);
    }
    if (isIP(hostname) === 4) cidrs.push(cidr(hostname));
    else hosts.add(normaliseHostName(hostname));
  }
  return { hosts, cidrs };
}

export function allowlistFromEnv(): Allowlist {
  return parseAllowlist(process.env.GANTRY_OUTBOUND_ALLOWLIST);
}

function allowlistedAddress(ip: string, allowlist: Allowlist, blockReason: string | null): boolean {
  const parsed = addressBytes(ip);
  if (!parsed) return false;
  return allowlist.cidrs.some(
    (c) =>
      c.family === parsed.family &&
      inCidr(parsed.bytes, c) &&
      // A metadata address is admitted only by naming it exactly, never by a wide range that
      // happens to contain it (10.0.0.0/8 is common; 169.254.0.0/16 would expose IMDS).
      (blockReason !== "cloud_metadata" || c.prefix === (parsed.family === 4 ? 32 : 128)),
  );
}

// ---------------------------------------------------------------------------------------------
// The guard

export interface OutboundOptions {
  resolver?: Resolver;
  allowlist?: Allowlist;
  /** Permit plain http:// to any allowed address (default: only to allowlisted destinations). */
  allowHttp?: boolean;
}

/**
 * Refuses (OutboundBlockedError) unless `url` is an http(s) URL without userinfo whose host, and
 * every address it resolves to, is public or allowlisted. Plain http needs `allowHttp` or an
 * allowlisted destination. `addresses` is empty when the host was allowlisted by name (no
 * resolution was needed); otherwise it lists the vetted addresses to connect to.
 */
export async function assertOutboundAllowed(
  url: string,
  opts: OutboundOptions = {},
): Promise<{ url: URL; addresses: string[] }> {
  const resolver = opts.resolver ?? systemResolver;
  const allowlist = opts.allowlist ?? EMPTY_ALLOWLIST;

  // Whitespace, control characters and backslashes are rewritten by WHATWG parsing but may be
  // read differently by other parsers: refuse rather than guess.
  if (typeof url !== "string" || /[\u0000-\u0020\u007f\\]/.test(url)) throw new OutboundBlockedError("invalid_url");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OutboundBlockedError("invalid_url");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new OutboundBlockedError("unsupported_scheme");
  if (parsed.username !== "" || parsed.password !== "") throw new OutboundBlockedError("userinfo_not_allowed");
  if (!parsed.hostname) throw new OutboundBlockedError("invalid_url");

  const needsHttpsCheck = parsed.protocol === "http:" && !opts.allowHttp;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const hostName = normaliseHostName(host);

  if (isIP(host) === 0 && allowlist.hosts.has(hostName)) return { url: parsed, addresses: [] };

  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    // RFC 6761: localhost names are loopback whatever a resolver says.
    if (hostName === "localhost" || hostName.endsWith(".localhost")) throw new OutboundBlockedError("loopback");
    try {
      addresses = [...new Set(await resolver(host))];
    } catch {
      throw new OutboundBlockedError("dns_failure");
    }
    if (!Array.isArray(addresses) || addresses.length === 0) throw new OutboundBlockedError("dns_failure");
  }

  let allAllowlisted = true;
  for (const address of addresses) {
    const reason = typeof address === "string" ? isBlockedAddress(address) : "invalid_address";
    const allowed = typeof address === "string" && allowlistedAddress(address, allowlist, reason);
    if (!allowed) allAllowlisted = false;
    if (reason && !allowed) throw new OutboundBlockedError(reason);
  }
  if (needsHttpsCheck && !allAllowlisted) throw new OutboundBlockedError("https_required");
  return { url: parsed, addresses };
}
