/** A stretch of time during which an appointment occupied its slot: [from, to), in ms since the epoch. */
export interface Occupancy {
  appointmentId: string;
  from: number;
  to: number;
}

/** The most occupancies that overlap at one instant, and the first such instant with who occupied the slot then. */
export function peakOccupancy(occupancies: Occupancy[]): { peak: number; at: number; occupants: string[] } {
  // An occupancy that ends at an instant no longer overlaps one that begins at it.
  const edges = occupancies
    .filter((occupancy) => occupancy.to > occupancy.from)
    .flatMap((occupancy) => [
      { at: occupancy.from, change: 1, id: occupancy.appointmentId },
      { at: occupancy.to, change: -1, id: occupancy.appointmentId },
    ])
    .sort((a, b) => a.at - b.at || a.change - b.change);
  const present = new Set<string>();
  let best = { peak: 0, at: Number.NaN, occupants: [] as string[] };
  for (const edge of edges) {
    if (edge.change > 0) present.add(edge.id);
    else present.delete(edge.id);
    if (present.size > best.peak) best = { peak: present.size, at: edge.at, occupants: [...present] };
  }
  return best;
}

/** The occupancies that overlap [from, to], cut to it. */
export function within(occupancies: Occupancy[], from: number, to: number): Occupancy[] {
  return occupancies
    .filter((occupancy) => occupancy.from <= to && occupancy.to > from)
    .map((occupancy) => ({ ...occupancy, from: Math.max(occupancy.from, from), to: Math.min(occupancy.to, to + 1e-3) }));
}
