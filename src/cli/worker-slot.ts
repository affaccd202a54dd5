/**
 * Which of a host's serving processes this one is (`s3dir serve --workers N`), and its share of
 * what the operator set for the whole host.
 */
export interface WorkerSlot {
  /** 0 … count-1; a replacement takes the slot of the worker it replaces. */
  index: number;
  count: number;
}

/** The environment variable that carries a worker's slot, "INDEX/COUNT". */
export const workerSlotEnv = "S3DIR_SERVE_SLOT";

export const soleWorker: WorkerSlot = { index: 0, count: 1 };

export function workerSlotText(slot: WorkerSlot): string {
  return `${slot.index}/${slot.count}`;
}

export function parseWorkerSlot(text: string | undefined): WorkerSlot {
  const match = /^(\d+)\/(\d+)$/.exec(text ?? "");
  if (!match) return soleWorker;
  const index = Number(match[1]);
  const count = Number(match[2]);
  return count >= 1 && index < count ? { index, count } : soleWorker;
}

/**
 * This worker's part of a host-wide whole number: the parts of all slots add up to `total`
 * (the first `total % count` slots take one more), and none is below 1.
 */
export function shareOf(total: number, slot: WorkerSlot): number {
  const base = Math.floor(total / slot.count);
  return Math.max(1, base + (slot.index < total % slot.count ? 1 : 0));
}
