interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Calls made in the same moment, sent together: each `add()` waits for its item's result, and the items added
 * before the next turn of the event loop go out in one `send` (at most `maxBatch` per call). A batch that fails is
 * sent again item by item, so that one bad item (say, its tenant deleted meanwhile) fails alone.
 */
export class Batcher<Item, Result> {
  readonly #send: (items: Item[]) => Promise<Result[]>;
  readonly #maxBatch: number;
  #pending: Pending<Item, Result>[] = [];

  constructor(send: (items: Item[]) => Promise<Result[]>, maxBatch: number) {
    this.#send = send;
    this.#maxBatch = maxBatch;
  }

  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    for (let start = 0; start < pending.length; start += this.#maxBatch) {
      const batch = pending.slice(start, start + this.#maxBatch);
      try {
        const results = await this.#send(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(results[index]!));
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error);
        else await Promise.all(batch.map((entry) => this.#sendAlone(entry)));
      }
    }
  }

  async #sendAlone(entry: Pending<Item, Result>): Promise<void> {
    try {
      const [result] = await this.#send([entry.item]);
      entry.resolve(result!);
    } catch (error) {
      entry.reject(error);
    }
  }
}
