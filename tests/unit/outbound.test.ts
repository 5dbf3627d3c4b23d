import { describe, expect, it } from "vitest";
import {
  OutboundBlockedError,
  assertOutboundAllowed,
  allowlistFromEnv,
  isBlockedAddress,
  parseAllowlist,
  type Resolver,
} from "../../lib/security/outbound";

// Fake resolvers only: these tests never touch real DNS.
const resolvesTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses;
const dnsFails: Resolver = async () => {
  throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
};
/** For IP literals: fails the test if the guard resolves an address it should decide on its own. */
const mustNotResolve: Resolver = async (host) => {
  throw new Error(`resolver must not be called for ${host}`);
};

const PUBLIC = "93.184.215.14";
const LOCAL_ALLOW = parseAllowlist("localhost,127.0.0.1");
const CIDR_ALLOW = parseAllowlist("127.0.0.0/8,10.0.0.0/8,::1/128");

interface Vector {
  name: string;
  url: string;
  resolver?: Resolver;
  allowlist?: string;
  allowHttp?: boolean;
  /** null = allowed; otherwise the expected refusal reason. */
  blocked: string | null;
  addresses?: string[];
}

const V: Vector[] = [
  // Loopback in every notation WHATWG URL accepts.
  { name: "loopback dotted", url: "https://127.0.0.1/", resolver: mustNotResolve, blocked: "loopback" },
  { name: "loopback short", url: "https://127.1/", resolver: mustNotResolve, blocked: "loopback" },
  { name: "loopback decimal", url: "https://2130706433/", resolver: mustNotResolve, blocked: "loopback" },
  { name: "loopback hex", url: "https://0x7f000001/", resolver: mustNotResolve, blocked: "loopback" },
  { name: "loopback octal", url: "https://0177.0.0.1/", resolver: mustNotResolve, blocked: "loopback" },
  { name: "loopback mixed hex", url: "https://0x7f.1/", resolver: mustNotResolve, blocked: "loopback" },
  { name: "loopback percent-encoded", url: "https://127%2e0%2e0%2e1/", resolver: mustNotResolve, blocked: "loopback" },
  { name: "loopback other", url: "https://127.255.255.254:8443/x", resolver: mustNotResolve, blocked: "loopback" },
  { name: "loopback v6", url: "https://[::1]/", resolver: mustNotResolve, blocked: "loopback" },
  { name: "loopback v6 long", url: "https://[0:0:0:0:0:0:0:1]/", resolver: mustNotResolve, blocked: "loopback" },
  { name: "v4-mapped loopback", url: "https://[::ffff:127.0.0.1]/", resolver: mustNotResolve, blocked: "ipv4_embedded_in_ipv6" },
  { name: "v4-mapped loopback hex", url: "https://[0:0:0:0:0:ffff:7f00:1]/", resolver: mustNotResolve, blocked: "ipv4_embedded_in_ipv6" },
  { name: "v4-compatible loopback", url: "https://[::127.0.0.1]/", resolver: mustNotResolve, blocked: "ipv4_embedded_in_ipv6" },
  { name: "localhost name", url: "https://localhost/", resolver: resolvesTo("127.0.0.1"), blocked: "loopback" },
  { name: "localhost subdomain, lying resolver", url: "https://a.localhost./", resolver: resolvesTo(PUBLIC), blocked: "loopback" },
  { name: "name resolving to loopback", url: "https://sneaky.example/", resolver: resolvesTo("127.0.0.1"), blocked: "loopback" },
  // Unspecified.
  { name: "0.0.0.0", url: "https://0.0.0.0/", resolver: mustNotResolve, blocked: "unspecified" },
  { name: "0 (decimal)", url: "https://0/", resolver: mustNotResolve, blocked: "unspecified" },
  { name: "[::]", url: "https://[::]/", resolver: mustNotResolve, blocked: "unspecified" },
  // RFC1918.
  { name: "10/8", url: "https://10.1.2.3/", resolver: mustNotResolve, blocked: "private" },
  { name: "172.16/12", url: "https://172.31.255.1/", resolver: mustNotResolve, blocked: "private" },
  { name: "172.32 is public", url: "https://172.32.0.1/", resolver: mustNotResolve, blocked: null, addresses: ["172.32.0.1"] },
  { name: "192.168/16", url: "https://192.168.0.1/", resolver: mustNotResolve, blocked: "private" },
  { name: "name resolving to 192.168", url: "https://nas.example/", resolver: resolvesTo("192.168.1.10"), blocked: "private" },
  // Link-local, CGNAT, metadata.
  { name: "link-local v4", url: "https://169.254.1.1/", resolver: mustNotResolve, blocked: "link_local" },
  { name: "link-local v6", url: "https://[fe80::1]/", resolver: mustNotResolve, blocked: "link_local" },
  { name: "CGNAT", url: "https://100.64.0.1/", resolver: mustNotResolve, blocked: "cgnat" },
  { name: "metadata v4", url: "https://169.254.169.254/latest/meta-data/", resolver: mustNotResolve, blocked: "cloud_metadata" },
  { name: "metadata v4 decimal", url: "https://2852039166/", resolver: mustNotResolve, blocked: "cloud_metadata" },
  { name: "metadata v6 (AWS)", url: "https://[fd00:ec2::254]/", resolver: mustNotResolve, blocked: "cloud_metadata" },
  { name: "metadata Alibaba", url: "https://100.100.100.200/", resolver: mustNotResolve, blocked: "cloud_metadata" },
  { name: "metadata by name", url: "https://metadata.google.internal/", resolver: resolvesTo("169.254.169.254"), blocked: "cloud_metadata" },
  // Other special ranges.
  { name: "unique-local v6", url: "https://[fd12:3456::1]/", resolver: mustNotResolve, blocked: "unique_local" },
  { name: "site-local v6", url: "https://[fec0::1]/", resolver: mustNotResolve, blocked: "site_local" },
  { name: "multicast v4", url: "https://224.0.0.1/", resolver: mustNotResolve, blocked: "multicast" },
  { name: "multicast v6", url: "https://[ff02::1]/", resolver: mustNotResolve, blocked: "multicast" },
  { name: "broadcast", url: "https://255.255.255.255/", resolver: mustNotResolve, blocked: "reserved" },
  { name: "benchmarking", url: "https://198.18.0.1/", resolver: mustNotResolve, blocked: "benchmarking" },
  // IPv4 embedded in IPv6: refused whatever the IPv4 part is, public included.
  { name: "NAT64 private", url: "https://[64:ff9b::a00:1]/", resolver: mustNotResolve, blocked: "ipv4_embedded_in_ipv6" },
  { name: "NAT64 public", url: "https://[64:ff9b::5db8:d70e]/", resolver: mustNotResolve, blocked: "ipv4_embedded_in_ipv6" },
  { name: "NAT64 local-use", url: "https://[64:ff9b:1::a00:1]/", resolver: mustNotResolve, blocked: "ipv4_embedded_in_ipv6" },
  { name: "v4-mapped public", url: "https://[::ffff:93.184.215.14]/", resolver: mustNotResolve, blocked: "ipv4_embedded_in_ipv6" },
  { name: "6to4", url: "https://[2002:7f00:1::1]/", resolver: mustNotResolve, blocked: "ipv4_embedded_in_ipv6" },
  { name: "Teredo", url: "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", resolver: mustNotResolve, blocked: "ipv4_embedded_in_ipv6" },
  { name: "name resolving to v4-mapped", url: "https://mapped.example/", resolver: resolvesTo("::ffff:10.0.0.1"), blocked: "ipv4_embedded_in_ipv6" },
  // DNS.
  { name: "DNS failure", url: "https://nxdomain.example/", resolver: dnsFails, blocked: "dns_failure" },
  { name: "DNS empty answer", url: "https://empty.example/", resolver: resolvesTo(), blocked: "dns_failure" },
  { name: "DNS answer not an address", url: "https://junk.example/", resolver: resolvesTo("0177.0.0.1"), blocked: "invalid_address" },
  { name: "public + private answer", url: "https://mixed.example/", resolver: resolvesTo(PUBLIC, "10.0.0.5"), blocked: "private" },
  { name: "public v4 + ULA v6 answer", url: "https://mixed6.example/", resolver: resolvesTo(PUBLIC, "fd00::5"), blocked: "unique_local" },
  { name: "public name", url: "https://example.com/path?q=1", resolver: resolvesTo(PUBLIC), blocked: null, addresses: [PUBLIC] },
  {
    name: "public name, v4 + v6",
    url: "https://example.com/",
    resolver: resolvesTo(PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
    blocked: null,
    addresses: [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
  },
  { name: "public v4 literal", url: "https://93.184.215.14/", resolver: mustNotResolve, blocked: null, addresses: [PUBLIC] },
  // Scheme, userinfo, syntax.
  { name: "http to public host", url: "http://example.com/", resolver: resolvesTo(PUBLIC), blocked: "https_required" },
  { name: "http to public host, allowHttp", url: "http://example.com/", resolver: resolvesTo(PUBLIC), allowHttp: true, blocked: null, addresses: [PUBLIC] },
  { name: "http to private host, allowHttp", url: "http://10.0.0.1/", resolver: mustNotResolve, allowHttp: true, blocked: "private" },
  { name: "userinfo", url: "https://user:pass@example.com/", resolver: resolvesTo(PUBLIC), blocked: "userinfo_not_allowed" },
  { name: "username only", url: "https://example.com@127.0.0.1/", resolver: mustNotResolve, blocked: "userinfo_not_allowed" },
  { name: "ftp scheme", url: "ftp://example.com/", resolver: resolvesTo(PUBLIC), blocked: "unsupported_scheme" },
  { name: "file scheme", url: "file:///etc/passwd", resolver: mustNotResolve, blocked: "unsupported_scheme" },
  { name: "gopher scheme", url: "gopher://127.0.0.1:6379/_", resolver: mustNotResolve, blocked: "unsupported_scheme" },
  { name: "not a URL", url: "not a url", resolver: mustNotResolve, blocked: "invalid_url" },
  { name: "backslash parser confusion", url: "https://example.com\\@127.0.0.1/", resolver: resolvesTo(PUBLIC), blocked: "invalid_url" },
  { name: "invalid v4 literal", url: "https://1.2.3.4.5/", resolver: mustNotResolve, blocked: "invalid_url" },
  // Operator allowlist: by host name, by IP, by CIDR.
  { name: "allowlisted host name", url: "http://localhost:9000/", resolver: mustNotResolve, allowlist: "localhost,127.0.0.1", blocked: null, addresses: [] },
  { name: "allowlisted host name, any case + dot", url: "http://LocalHost.:9000/", resolver: mustNotResolve, allowlist: "localhost", blocked: null, addresses: [] },
  { name: "allowlisted IP", url: "http://127.0.0.1:9000/", resolver: mustNotResolve, allowlist: "localhost,127.0.0.1", blocked: null, addresses: ["127.0.0.1"] },
  { name: "allowlisted IP, other notation", url: "http://2130706433:9000/", resolver: mustNotResolve, allowlist: "127.0.0.1", blocked: null, addresses: ["127.0.0.1"] },
  { name: "allowlisted IP does not cover neighbour", url: "http://127.0.0.2/", resolver: mustNotResolve, allowlist: "127.0.0.1", blocked: "loopback" },
  { name: "allowlisted CIDR, IP literal", url: "http://127.0.0.5/", resolver: mustNotResolve, allowlist: "127.0.0.0/8", blocked: null, addresses: ["127.0.0.5"] },
  { name: "allowlisted CIDR, name", url: "http://minio.internal:9000/", resolver: resolvesTo("10.2.3.4"), allowlist: "10.0.0.0/8", blocked: null, addresses: ["10.2.3.4"] },
  { name: "allowlisted mixed-family CIDR list", url: "http://127.0.0.1/", resolver: mustNotResolve, allowlist: "127.0.0.0/8,::1", blocked: null, addresses: ["127.0.0.1"] },
  { name: "allowlisted v6", url: "http://[::1]:9000/", resolver: mustNotResolve, allowlist: "::1", blocked: null, addresses: ["::1"] },
  { name: "allowlisted CIDR does not cover mapped", url: "http://[::ffff:127.0.0.1]/", resolver: mustNotResolve, allowlist: "127.0.0.0/8", blocked: "ipv4_embedded_in_ipv6" },
  { name: "allowlisted CIDR, one answer outside", url: "https://mixed.internal/", resolver: resolvesTo("10.0.0.1", "192.168.0.1"), allowlist: "10.0.0.0/8", blocked: "private" },
  { name: "http to public via partial allowlist", url: "http://half.example/", resolver: resolvesTo("10.0.0.1", PUBLIC), allowlist: "10.0.0.0/8", blocked: "https_required" },
  { name: "wide CIDR does not admit metadata", url: "https://169.254.169.254/", resolver: mustNotResolve, allowlist: "169.254.0.0/16", blocked: "cloud_metadata" },
  { name: "other host not allowlisted", url: "http://127.0.0.1/", resolver: mustNotResolve, allowlist: "localhost", blocked: "loopback" },
];

describe("assertOutboundAllowed", () => {
  it("has a non-trivial vector table", () => {
    expect(V.length).toBeGreaterThanOrEqual(30);
    expect(V.filter((v) => v.blocked === null).length).toBeGreaterThanOrEqual(10);
    expect(V.filter((v) => v.blocked !== null).length).toBeGreaterThanOrEqual(30);
    expect(new Set(V.map((v) => v.name)).size).toBe(V.length);
  });

  it.each(V)("$name: $url", async (v) => {
    const opts = {
      resolver: v.resolver,
      allowlist: v.allowlist === undefined ? undefined : parseAllowlist(v.allowlist),
      allowHttp: v.allowHttp,
    };
    if (v.blocked === null) {
      const res = await assertOutboundAllowed(v.url, opts);
      expect(res.url).toBeInstanceOf(URL);
      expect(res.addresses).toEqual(v.addresses);
    } else {
      const err = await assertOutboundAllowed(v.url, opts).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(OutboundBlockedError);
      expect(err).toMatchObject({ code: "endpoint_not_allowed", reason: v.blocked });
    }
  });

  it("returns the normalised URL", async () => {
    const res = await assertOutboundAllowed("HTTPS://Bücher.Example:443/a/../b", { resolver: resolvesTo(PUBLIC) });
    expect(res.url.href).toBe("https://xn--bcher-kva.example/b");
  });

  it("passes the normalised host name to the resolver", async () => {
    const seen: string[] = [];
    await assertOutboundAllowed("https://Example.COM/", {
      resolver: async (h) => {
        seen.push(h);
        return [PUBLIC];
      },
    });
    expect(seen).toEqual(["example.com"]);
  });

  it("does not reveal resolved addresses in the message", async () => {
    const err = await assertOutboundAllowed("https://internal.example/", { resolver: resolvesTo("10.9.8.7") }).catch((e) => e);
    expect(err).toBeInstanceOf(OutboundBlockedError);
    expect(String(err.message)).not.toContain("10.9.8.7");
  });
});

describe("isBlockedAddress", () => {
  const cases: Array<[string, string | null]> = [
    ["8.8.8.8", null],
    [PUBLIC, null],
    ["2606:4700:4700::1111", null],
    ["127.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["10.255.255.255", "private"],
    ["172.16.0.0", "private"],
    ["172.15.255.255", null],
    ["192.168.255.255", "private"],
    ["169.254.0.1", "link_local"],
    ["100.127.255.255", "cgnat"],
    ["100.128.0.0", null],
    ["169.254.169.254", "cloud_metadata"],
    ["fd00:ec2::254", "cloud_metadata"],
    ["100.100.100.200", "cloud_metadata"],
    ["::ffff:8.8.8.8", "ipv4_embedded_in_ipv6"],
    ["::ffff:0:808:808", "ipv4_embedded_in_ipv6"],
    ["::8.8.8.8", "ipv4_embedded_in_ipv6"],
    ["64:ff9b::808:808", "ipv4_embedded_in_ipv6"],
    ["64:ff9b:1::1", "ipv4_embedded_in_ipv6"],
    ["2002:808:808::1", "ipv4_embedded_in_ipv6"],
    ["2001::1", "ipv4_embedded_in_ipv6"],
    ["fc00::1", "unique_local"],
    ["febf::1", "link_local"],
    ["fec0::1", "site_local"],
    ["ff0e::1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["198.19.255.255", "benchmarking"],
    ["192.0.2.1", "documentation"],
    ["2001:db8::1", "documentation"],
    ["fe80::1%eth0", "link_local"],
    ["4000::1", "reserved"],
    ["[::1]", "loopback"],
    ["localhost", "invalid_address"],
    ["0177.0.0.1", "invalid_address"],
    ["", "invalid_address"],
  ];
  it.each(cases)("%s → %s", (ip, reason) => {
    expect(isBlockedAddress(ip)).toBe(reason);
  });
});

describe("parseAllowlist", () => {
  it("reads host names, IPs and CIDRs of both families", () => {
    const a = parseAllowlist(" 127.0.0.1 , LocalHost., 10.0.0.0/8,::1, [fd00::]/8, minio ,");
    expect([...a.hosts].sort()).toEqual(["localhost", "minio"]);
    expect(a.cidrs.map((c) => `${c.family}/${c.prefix}`)).toEqual(["4/32", "4/8", "6/128", "6/8"]);
  });

  it("treats undefined and empty as an empty allowlist", () => {
    expect(parseAllowlist(undefined)).toEqual({ hosts: new Set(), cidrs: [] });
    expect(parseAllowlist(" , ")).toEqual({ hosts: new Set(), cidrs: [] });
  });

  it.each(["10.0.0.0/33", "::1/129", "10.0.0.0/x", "999.1.1.1/8", "bad host", "user@host", "*.example.com", "host:8080", "http://x"])(
    "rejects %s",
    (entry) => {
      expect(() => parseAllowlist(`localhost,${entry}`)).toThrow(/Outbound allowlist/);
    },
  );

  it("uses the prepared fixtures", async () => {
    await expect(assertOutboundAllowed("http://localhost/", { allowlist: LOCAL_ALLOW, resolver: mustNotResolve })).resolves.toBeTruthy();
    await expect(assertOutboundAllowed("http://[::1]/", { allowlist: CIDR_ALLOW, resolver: mustNotResolve })).resolves.toBeTruthy();
    await expect(assertOutboundAllowed("http://[::2]/", { allowlist: CIDR_ALLOW, resolver: mustNotResolve })).rejects.toThrow(OutboundBlockedError);
  });

  it("allowlistFromEnv reads GANTRY_OUTBOUND_ALLOWLIST", () => {
    const prev = process.env.GANTRY_OUTBOUND_ALLOWLIST;
    try {
      process.env.GANTRY_OUTBOUND_ALLOWLIST = "localhost,10.0.0.0/8";
      const a = allowlistFromEnv();
      expect([...a.hosts]).toEqual(["localhost"]);
      expect(a.cidrs).toHaveLength(1);
      delete process.env.GANTRY_OUTBOUND_ALLOWLIST;
      expect(allowlistFromEnv().cidrs).toHaveLength(0);
    } finally {
      if (prev === undefined) delete process.env.GANTRY_OUTBOUND_ALLOWLIST;
      else process.env.GANTRY_OUTBOUND_ALLOWLIST = prev;
    }
  });
});
