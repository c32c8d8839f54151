/** One sample of a soak: when, each process's RSS, and the window's p99 latency. */
export interface SoakSample {
  /** Seconds since the load started. */
  atSeconds: number;
  /** Resident set size in MiB, by process name. */
  rssMiB: Record<string, number>;
  p99Ms: number;
  callsPerSecond: number;
}

const width = 720;
const panelHeight = 200;
const margin = { left: 60, right: 150, top: 30, bottom: 40 };
const colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

interface Series {
  name: string;
  points: [number, number][];
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / magnitude) * magnitude;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

/** One line chart with its axes, ticks and legend, its top edge at `top`. */
function panel(title: string, unit: string, series: Series[], top: number, maxX: number): string {
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = panelHeight - margin.top - margin.bottom;
  const maxY = niceMax(Math.max(...series.flatMap((s) => s.points.map(([, y]) => y))));
  const x = (value: number): number => margin.left + (value / (maxX || 1)) * plotWidth;
  const y = (value: number): number => top + margin.top + plotHeight - (value / maxY) * plotHeight;
  const parts = [`<text x="${margin.left}" y="${top + 18}" font-weight="bold">${escape(title)}</text>`];
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (maxY / 4) * tick;
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y(value)}" y2="${y(value)}" stroke="#ddd"/>`,
      `<text x="${margin.left - 6}" y="${y(value) + 4}" text-anchor="end">${Math.round(value * 10) / 10}</text>`,
    );
  }
  for (let tick = 0; tick <= 5; tick += 1) {
    const value = (maxX / 5) * tick;
    parts.push(`<text x="${x(value)}" y="${top + panelHeight - margin.bottom + 16}" text-anchor="middle">${Math.round(value)} s</text>`);
  }
  parts.push(`<text x="14" y="${top + margin.top + plotHeight / 2}" transform="rotate(-90 14 ${top + margin.top + plotHeight / 2})" text-anchor="middle">${escape(unit)}</text>`);
  series.forEach((s, index) => {
    const colour = colours[index % colours.length]!;
    const path = s.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(" ");
    const legendY = top + margin.top + 14 * index;
    parts.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${path}"/>`,
      `<line x1="${width - margin.right + 12}" x2="${width - margin.right + 30}" y1="${legendY}" y2="${legendY}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${width - margin.right + 36}" y="${legendY + 4}">${escape(s.name)}</text>`,
    );
  });
  return parts.join("\n");
}

/** The soak as an SVG: RSS of each process, and p99 latency, every sample. */
export function soakChartSvg(samples: SoakSample[], caption: string): string {
  const names = Object.keys(samples[0]?.rssMiB ?? {});
  const maxX = Math.max(...samples.map((sample) => sample.atSeconds), 1);
  const rss = names.map((name) => ({ name, points: samples.map((s) => [s.atSeconds, s.rssMiB[name] ?? 0] as [number, number]) }));
  const p99 = [{ name: "p99 (30 s window)", points: samples.map((s) => [s.atSeconds, s.p99Ms] as [number, number]) }];
  const height = panelHeight * 2 + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel("Resident memory per process", "MiB", rss, 0, maxX),
    panel("p99 latency of all calls", "ms", p99, panelHeight, maxX),
    `<text x="${margin.left}" y="${height - 8}" fill="#555">${escape(caption)}</text>`,
    `</svg>`,
    "",
  ].join("\n");
}
