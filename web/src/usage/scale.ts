/** An axis from 0: a round top at or above the largest value, and the ticks under it. */
export interface Scale {
  max: number;
  ticks: number[];
}

/** Steps of 1, 2, 2.5 or 5 × 10ⁿ, about `count` of them up to `max`. Nothing to show gives 0…1. */
export function niceScale(max: number, count = 4): Scale {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, ticks: [0, 1] };
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!;
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  // toPrecision drops floating-point noise (0.30000000000000004).
  for (let i = 0; i * step <= top + step / 1e6; i++) ticks.push(Number((i * step).toPrecision(12)));
  return { max: ticks[ticks.length - 1]!, ticks };
}

/** The length of a bar for `value` on a scale drawn `size` long; never negative, and visible when not zero. */
export function barLength(value: number, scale: Scale, size: number, minimum = 1): number {
  if (!(value > 0)) return 0;
  return Math.max(minimum, (Math.min(value, scale.max) / scale.max) * size);
}

/** Which of `count` labels to show so that at most `room` are shown, evenly (always the last one). */
export function labelEvery(count: number, room: number): number {
  return Math.max(1, Math.ceil(count / Math.max(1, room)));
}
