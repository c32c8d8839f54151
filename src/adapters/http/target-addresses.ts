import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import { SchedError } from "../../core/errors.js";
import type { WebhookTargetPolicy } from "../../core/ports/webhook-store.js";

// Every range that is not the public internet: loopback, private networks,
// link-local (cloud metadata services live there), carrier-grade NAT,
// documentation, benchmarking, multicast and reserved space.
const notPublic = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24],
  ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) notPublic.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 128], ["::1", 128], ["64:ff9b::", 96], ["100::", 64], ["2001:db8::", 32], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8],
] as const) notPublic.addSubnet(network, prefix, "ipv6");

/** True for an address on the public internet; an IPv4 address written as IPv6 (::ffff:a.b.c.d) is judged as IPv4. */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]!);
  const family = isIP(address);
  if (family === 0) return false;
  return !notPublic.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * Where webhooks may go. Open (APP_ENV=dev, or WEBHOOK_ALLOW_PRIVATE_TARGETS=true):
 * any http:// or https:// URL. Otherwise https:// only, to a host whose every
 * address is public; the sender checks the addresses again when it connects
 * (guardedLookup), so a name that resolves elsewhere later is refused then.
 */
export class WebhookTargets implements WebhookTargetPolicy {
  constructor(readonly open: boolean) {}

  async check(url: string): Promise<void> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw refused(`${JSON.stringify(url.slice(0, 100))} is not a URL`);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw refused("a webhook URL is http:// or https://");
    if (parsed.username !== "" || parsed.password !== "") throw refused("a webhook URL carries no credentials; sign with the secret instead");
    if (this.open) return;
    if (parsed.protocol !== "https:") throw refused("only https:// URLs are accepted (WEBHOOK_ALLOW_PRIVATE_TARGETS=true admits http://)");
    const host = parsed.hostname.replace(/^\[|\]$/g, "");
    const addresses = await resolveAll(host).catch(() => {
      throw refused(`${host} does not resolve`);
    });
    const hidden = addresses.find((address) => !isPublicAddress(address.address));
    if (hidden !== undefined) throw refused(`${host} resolves to ${hidden.address}, which is not a public address (WEBHOOK_ALLOW_PRIVATE_TARGETS=true admits it)`);
  }

  /** A lookup for node:http that refuses hosts resolving to addresses that are not public, unless the policy is open. */
  guardedLookup(): typeof dnsLookup | undefined {
    if (this.open) return undefined;
    return ((hostname: string, options: object, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, []);
        const hidden = addresses.find((address) => !isPublicAddress(address.address));
        if (hidden !== undefined) return callback(new Error(`${hostname} resolves to ${hidden.address}, which is not a public address`), []);
        if ((options as { all?: boolean }).all) return callback(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      });
    }) as typeof dnsLookup;
  }
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));
}

function refused(why: string): SchedError {
  return new SchedError("webhook_url_not_allowed", why);
}
