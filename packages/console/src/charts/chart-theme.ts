/**
 * Chart colours come from CSS custom properties, so the canvas follows the page's light or
 * dark scheme like the rest of the console.
 */
export function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export function chartAxes(): {
  stroke: string;
  grid: { stroke: string; width: number };
  ticks: { stroke: string; width: number };
} {
  const grid = cssVar("--chart-grid", "#e3e6ea");
  return {
    stroke: cssVar("--text-muted", "#5c6670"),
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
  };
}

/**
 * Keeps a chart as wide as its container. uPlot draws at a fixed size; without this a chart
 * would overflow narrow windows or leave space unused on wide ones.
 */
export function fitWidth(container: HTMLElement, resize: (width: number) => void): () => void {
  let last = 0;
  const observer = new ResizeObserver(() => {
    const width = Math.floor(container.clientWidth);
    if (width > 0 && width !== last) {
      last = width;
      resize(width);
    }
  });
  observer.observe(container);
  return () => observer.disconnect();
}
