import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { requireTool } from "./haproxy-front.js";
import type { Placement } from "./sched-processes.js";

export type Store = "redis" | "postgres";

/**
 * A network of the test's own inside this machine: a bridge in the root
 * namespace holding one address for Redis and one for PostgreSQL, and a
 * network namespace per sched process joined to it by a veth pair. The
 * addresses are a /24 of 10.213.0.0/16 that no interface of the machine
 * uses, and nothing routes them anywhere else: no traffic leaves the machine.
 *
 * A cut is an nftables table inside one namespace that drops every packet
 * to and from a store's address: connections stay open and nothing answers,
 * as when a switch or a firewall between them fails. Healing deletes it.
 */
export class PartitionNetwork {
  private readonly namespaces: string[] = [];
  private readonly cuts = new Map<string, Set<Store>>();

  private constructor(
    private readonly bridge: string,
    private readonly prefix: string,
  ) {}

  /** The address the test's own Redis listens on, besides loopback. */
  get redisHost(): string {
    return `${this.prefix}.2`;
  }

  get postgresHost(): string {
    return `${this.prefix}.3`;
  }

  get cidr(): string {
    return `${this.prefix}.0/24`;
  }

  static create(): PartitionNetwork {
    requireTool("ip", "iproute2");
    requireTool("nft", "nftables");
    const used = execFileSync("ip", ["-o", "-4", "addr", "show"], { encoding: "utf8" });
    const free = Array.from({ length: 254 }, (_, index) => index + 1).filter((n) => !used.includes(` 10.213.${n}.`));
    if (free.length === 0) throw new Error("no free /24 in 10.213.0.0/16 for the partition network");
    const subnet = free[Math.floor(Math.random() * free.length)]!;
    const network = new PartitionNetwork(`schedbr${subnet}`, `10.213.${subnet}`);
    try {
      ip("link", "add", network.bridge, "type", "bridge");
      ip("addr", "add", `${network.prefix}.1/24`, "dev", network.bridge);
      ip("addr", "add", `${network.redisHost}/24`, "dev", network.bridge);
      ip("addr", "add", `${network.postgresHost}/24`, "dev", network.bridge);
      ip("link", "set", network.bridge, "up");
    } catch (error) {
      network.destroy();
      throw error;
    }
    return network;
  }

  /** A namespace of its own for one process, at the next address of the network. */
  addNamespace(name: string): Placement {
    const index = this.namespaces.length + 1;
    const netns = `${this.bridge}-${name}`;
    const hostEnd = `${this.bridge}v${index}`;
    const host = `${this.prefix}.${10 + index}`;
    ip("netns", "add", netns);
    this.namespaces.push(netns);
    ip("link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", netns);
    ip("link", "set", hostEnd, "master", this.bridge, "up");
    ip("-n", netns, "addr", "add", `${host}/24`, "dev", "eth0");
    ip("-n", netns, "link", "set", "eth0", "up");
    ip("-n", netns, "link", "set", "lo", "up");
    return { netns, host };
  }

  /**
   * Drops every packet between the process's namespace and the stores, until
   * heal(). Resolves once the rules are in place; asynchronous, so that cutting
   * several namespaces at once does not stall the test's clients.
   */
  async cut(placement: Placement, stores: Store[]): Promise<void> {
    const cut = this.cuts.get(placement.netns) ?? new Set<Store>();
    for (const store of stores) cut.add(store);
    this.cuts.set(placement.netns, cut);
    await this.applyCut(placement.netns, cut);
  }

  /** Every cut of the namespace lifted. */
  async heal(placement: Placement): Promise<void> {
    this.cuts.delete(placement.netns);
    await this.applyCut(placement.netns, new Set());
  }

  /** Deletes the namespaces (and with them their veth pairs) and the bridge; safe to call twice. */
  destroy(): void {
    for (const netns of this.namespaces.splice(0)) tryIp("netns", "delete", netns);
    tryIp("link", "delete", this.bridge);
  }

  private async applyCut(netns: string, stores: Set<Store>): Promise<void> {
    const addresses = [...stores].map((store) => (store === "redis" ? this.redisHost : this.postgresHost));
    // One nft transaction: the table is replaced whole, so that a cut and a heal are each atomic.
    const rules = [
      "table inet sched_partition",
      "delete table inet sched_partition",
      ...(addresses.length === 0
        ? []
        : [
            "table inet sched_partition {",
            "  chain out {",
            "    type filter hook output priority 0;",
            ...addresses.map((address) => `    ip daddr ${address} drop`),
            "  }",
            "  chain in {",
            "    type filter hook input priority 0;",
            ...addresses.map((address) => `    ip saddr ${address} drop`),
            "  }",
            "}",
          ]),
    ];
    const nft = promisify(execFile)("ip", ["netns", "exec", netns, "nft", "-f", "-"]);
    nft.child.stdin!.end(`${rules.join("\n")}\n`);
    await nft;
  }
}

function ip(...args: string[]): void {
  try {
    execFileSync("ip", args, { stdio: "pipe" });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`ip ${args.join(" ")}: ${stderr || String(error)}`);
  }
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // Already gone.
  }
}
