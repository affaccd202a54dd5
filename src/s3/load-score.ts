/** One part of the load score: how much of a limit is used. */
export interface ScorePart {
  value: number;
  limit: number;
  /** value / limit, clamped to 0 … 1. */
  score: number;
}

export interface LoadScore {
  /** 0.0 idle … 1.0 saturated: the larger of the parts (either one saturated saturates the host). */
  score: number;
  parts: { inFlight: ScorePart; memory?: ScorePart };
}

/** The response header that carries the score, as Weka's x-weka-score does for its gateways. */
export const scoreHeader = "x-s3dir-score";

function part(value: number, limit: number): ScorePart {
  const score = limit > 0 ? Math.min(1, Math.max(0, value / limit)) : 1;
  return { value, limit, score: round(score) };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function loadScore(inFlight: number, maxInFlight: number, memory?: { used: number; limit: number }) {
  const parts: LoadScore["parts"] = { inFlight: part(inFlight, maxInFlight) };
  if (memory) parts.memory = part(memory.used, memory.limit);
  return { score: Math.max(parts.inFlight.score, parts.memory?.score ?? 0), parts } satisfies LoadScore;
}

/** The header's text: three decimals ("0.250"), which weighted balancers parse as a number. */
export function scoreText(score: LoadScore): string {
  return score.score.toFixed(3);
}
