import { isIPv4, isIPv6 } from "node:net";

/**
 * The budget a client address spends from when it has no valid token. An
 * IPv6 host usually holds a whole /64 (SLAAC, privacy addresses), so counting
 * single addresses would hand it 2^64 budgets: its /64 is one key. An
 * IPv4-mapped IPv6 address (::ffff:1.2.3.4, what a dual-stack socket reports)
 * is the IPv4 client it maps, so both forms share one budget.
 */
export function rateLimitAddress(remoteAddress: string): string {
  const address = remoteAddress.split("%")[0]!;
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const ipv4 = [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join(".");
    if (isIPv4(ipv4)) return ipv4;
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(":")}::/64`;
}

// The eight 16-bit groups of a valid IPv6 address, "::" expanded and a
// trailing dotted IPv4 part read as its two groups.
function ipv6Groups(address: string): number[] {
  const parse = (text: string): number[] =>
    text === ""
      ? []
      : text.split(":").flatMap((part) => {
          if (!part.includes(".")) return [parseInt(part, 16)];
          const [a, b, c, d] = part.split(".").map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = address.split("::");
  const headGroups = parse(head!);
  if (tail === undefined) return headGroups;
  const tailGroups = parse(tail);
  return [...headGroups, ...new Array<number>(8 - headGroups.length - tailGroups.length).fill(0), ...tailGroups];
}
