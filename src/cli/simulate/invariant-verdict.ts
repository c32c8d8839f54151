import type { InvariantAudit } from "../../app/simulate/simulation-database.js";
import type { HistoryVerdict } from "../../core/history/check-history.js";

const findings: Record<keyof InvariantAudit, string> = {
  overbookedSlots: "slot(s) over capacity plus recorded overbookings",
  duplicateActiveAppointments: "patient(s) with two active appointments on one slot",
  trailMismatches: "appointment(s) whose event trail does not match their status",
  illegalStates: "appointment(s) in an illegal state",
  misplacedAppointments: "appointment(s) not in the slot their trail of moves leads to",
};

/** The audit and the history check in one line: "invariants: all hold", or what is broken and how often. */
export function invariantVerdict(audit: InvariantAudit, history: Pick<HistoryVerdict, "violations">): { hold: boolean; verdict: string } {
  const byProperty = new Map<string, number>();
  for (const violation of history.violations) byProperty.set(violation.property, (byProperty.get(violation.property) ?? 0) + 1);
  const broken = [
    ...(Object.keys(findings) as (keyof InvariantAudit)[])
      .filter((finding) => audit[finding].length > 0)
      .map((finding) => `${audit[finding].length} ${findings[finding]}`),
    ...[...byProperty].map(([property, count]) => `${count} history violation(s) of ${property}`),
  ];
  return broken.length === 0
    ? { hold: true, verdict: "invariants: all hold" }
    : { hold: false, verdict: `invariants: BROKEN: ${broken.join(", ")}` };
}
