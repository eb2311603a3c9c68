// Line charts for benchmark results: an SVG drawn here, turned into a PNG by the headless
// Chromium the browser tests already use (Debian's `chromium`). No charting dependency.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WIDTH = 960;
const HEIGHT = 360;
const PAD = { left: 80, right: 200, top: 40, bottom: 44 };
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79'];

const esc = (text) => String(text).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);

/** A tidy axis maximum: 1, 2 or 5 times a power of ten at or above `max`. */
export function niceMax(max) {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max);
}

/**
 * An SVG line chart. `series` is [{ name, points: [[x, y], ...] }]; x in seconds from the
 * start, y in `unit`. The y axis starts at zero so a flat line looks flat.
 */
export function lineChartSvg({ title, unit, series }) {
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y));
  const xMax = Math.max(1, ...xs);
  const yMax = niceMax(Math.max(0, ...ys));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const sx = (x) => PAD.left + (x / xMax) * plotW;
  const sy = (y) => PAD.top + plotH - (y / yMax) * plotH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${PAD.left}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    parts.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${sy(y)}" y2="${sy(y)}" stroke="#ddd"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${sy(y) + 4}" text-anchor="end">${esc(+y.toPrecision(3))}</text>`);
  }
  for (let i = 0; i <= 6; i++) {
    const x = (xMax * i) / 6;
    parts.push(`<text x="${sx(x)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${esc((x / 60).toFixed(1))}</text>`);
  }
  parts.push(`<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle">minutes</text>`);
  parts.push(
    `<text x="16" y="${PAD.top + plotH / 2}" transform="rotate(-90 16 ${PAD.top + plotH / 2})" text-anchor="middle">${esc(unit)}</text>`,
  );
  parts.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    if (s.points.length) {
      const d = s.points.map(([x, y], j) => `${j ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    const ly = PAD.top + 8 + i * 18;
    parts.push(
      `<line x1="${WIDTH - PAD.right + 14}" x2="${WIDTH - PAD.right + 34}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
    );
    parts.push(`<text x="${WIDTH - PAD.right + 40}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The Chromium binary, or undefined when none is installed. */
export function chromiumPath() {
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
}

/** Writes `svg` as `pngFile` with headless Chromium; returns false (and writes nothing) without one. */
export function svgToPng(svg, pngFile) {
  const chromium = chromiumPath();
  if (!chromium) return false;
  const dir = mkdtempSync(join(tmpdir(), 'certctl-chart-'));
  try {
    const page = join(dir, 'chart.html');
    writeFileSync(page, `<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    execFileSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        `--user-data-dir=${join(dir, 'profile')}`,
        `--window-size=${WIDTH},${HEIGHT}`,
        `--screenshot=${pngFile}`,
        `file://${page}`,
      ],
      { stdio: 'ignore', timeout: 60000 },
    );
    return existsSync(pngFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
