/**
 * The keys of a version listing, in S3 order: the bucket's tree (current versions) and the
 * versions store's tree (histories) walked side by side and merged (./listing.ts).
 */
import { compareUtf8 } from "../layout/keys.ts";
import type { AltWalk } from "../objects/alt-listing.ts";
import { type WalkItem, type WalkSource, walkItems } from "../objects/listing.ts";

export interface MergedItem {
  item: WalkItem;
  /** The key has a current file (or is a common prefix there). */
  inCurrent: boolean;
  /** The key has a history (or is a common prefix there). */
  inHistory: boolean;
}

/**
 * One tree's items, read a batch at a time. How many keys a page needs depends on how many
 * versions each has, so batches start small and double: a page of keys with a few versions
 * each walks little past its end, and one of single versions still takes few walks.
 */
export class ItemStream {
  private buffer: WalkItem[] = [];
  private at = 0;
  private more = true;
  private after: string;
  private batch: number;

  constructor(
    private readonly source: WalkSource,
    private readonly input: { prefix: string; delimiter: string },
    after: string,
    firstBatch: number,
    private readonly maxBatch: number,
    /** The alternate area's keys, merged into this tree's (one walk for the whole list call). */
    private readonly alt?: AltWalk,
  ) {
    this.after = after;
    this.batch = firstBatch;
  }

  async peek(): Promise<WalkItem | undefined> {
    if (this.at === this.buffer.length && this.more) {
      const page = await walkItems(
        this.source,
        { ...this.input, after: this.after, maxKeys: this.batch },
        this.alt,
      );
      this.batch = Math.min(this.batch * 2, this.maxBatch);
      this.buffer = page.items;
      this.at = 0;
      this.more = page.truncated;
      const last = page.items.at(-1);
      if (last) this.after = last.key;
    }
    return this.buffer[this.at];
  }

  shift(): void {
    this.at++;
  }
}

export class MergedKeys {
  constructor(
    private readonly current: ItemStream,
    private readonly history: ItemStream,
  ) {}

  /** The next key or common prefix, taken. */
  async next(): Promise<MergedItem | undefined> {
    const [a, b] = [await this.current.peek(), await this.history.peek()];
    if (!a && !b) return undefined;
    const c = a && b ? compareUtf8(a.key, b.key) : a ? -1 : 1;
    const item = (c <= 0 ? a : b)!;
    if (c <= 0) this.current.shift();
    if (c >= 0) this.history.shift();
    return { item, inCurrent: c <= 0, inHistory: c >= 0 };
  }

  /** True when another key or common prefix follows. */
  async more(): Promise<boolean> {
    return !!((await this.current.peek()) ?? (await this.history.peek()));
  }
}
