// Trade ids where MEXC sends none: futures deals never carry one, spot deals only since the
// 2026-06 protos (tradeId, field 5). `<time ms>:<price>:<amount>:<side>` stands in — not numeric,
// so never read as a sequence (FeedCore's duplicate check skips it) — with `:2`, `:3` … on a
// repeat of the same fields within one push, so every trade row has a distinct, replayable id.
export class TradeIds {
  private prev = '';
  private repeat = 1;

  /** Call once per push before its trades. */
  reset(): void {
    this.prev = '';
    this.repeat = 1;
  }

  next(timeMs: string, price: string, amount: string, side: string): string {
    const id = `${timeMs}:${price}:${amount}:${side}`;
    this.repeat = id === this.prev ? this.repeat + 1 : 1;
    this.prev = id;
    return this.repeat === 1 ? id : `${id}:${this.repeat}`;
  }
}
