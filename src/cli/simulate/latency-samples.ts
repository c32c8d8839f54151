export interface LatencySummary {
  avg: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
}

/**
 * Every latency of a run, in milliseconds, so that percentiles are exact
 * rather than a histogram's estimate: eight bytes a call is little beside
 * what a call costs.
 */
export class LatencySamples {
  private samples = new Float64Array(1024);
  private count = 0;

  add(milliseconds: number): void {
    if (this.count === this.samples.length) {
      const larger = new Float64Array(this.samples.length * 2);
      larger.set(this.samples);
      this.samples = larger;
    }
    this.samples[this.count++] = milliseconds;
  }

  values(): Float64Array {
    return this.samples.subarray(0, this.count);
  }

  static summarize(groups: LatencySamples[]): LatencySummary {
    const all = new Float64Array(groups.reduce((sum, group) => sum + group.count, 0));
    let offset = 0;
    for (const group of groups) {
      all.set(group.values(), offset);
      offset += group.count;
    }
    all.sort();
    if (all.length === 0) return { avg: 0, min: 0, max: 0, p50: 0, p95: 0, p99: 0 };
    // Nearest rank: the smallest sample with at least p% of samples at or below it.
    const percentile = (p: number): number => all[Math.max(0, Math.ceil((p / 100) * all.length) - 1)]!;
    return {
      avg: rounded(all.reduce((sum, value) => sum + value, 0) / all.length),
      min: rounded(all[0]!),
      max: rounded(all[all.length - 1]!),
      p50: rounded(percentile(50)),
      p95: rounded(percentile(95)),
      p99: rounded(percentile(99)),
    };
  }
}

function rounded(milliseconds: number): number {
  return Math.round(milliseconds * 1000) / 1000;
}
