import type { InvariantAudit } from "../../adapters/postgres/sql/audit-invariants.js";

const findings: Record<keyof InvariantAudit, string> = {
  overbookedSlots: "slot(s) over capacity",
  duplicateActiveAppointments: "patient(s) with two active appointments on one slot",
  trailMismatches: "appointment(s) whose event trail does not match their status",
  illegalStates: "appointment(s) in an illegal state",
};

/** The audit in one line: "invariants: all hold", or what is broken and how often. */
export function invariantVerdict(audit: InvariantAudit): { hold: boolean; verdict: string } {
  const broken = (Object.keys(findings) as (keyof InvariantAudit)[])
    .filter((finding) => audit[finding].length > 0)
    .map((finding) => `${audit[finding].length} ${findings[finding]}`);
  return broken.length === 0
    ? { hold: true, verdict: "invariants: all hold" }
    : { hold: false, verdict: `invariants: BROKEN: ${broken.join(", ")}` };
}
