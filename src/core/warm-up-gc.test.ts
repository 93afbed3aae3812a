// warmUpCollections: full collections at the given seconds, cancellable, never keeping the process up.
import { describe, expect, it } from 'vitest';
import { heapAfterGc } from './heap-after-gc.js';
import { WARM_UP_GC_S, warmUpCollections } from './warm-up-gc.js';

describe('warmUpCollections', () => {
  it('runs a full collection at each time given, and none after the cancel', async () => {
    expect(WARM_UP_GC_S.every((s, i) => s > 0 && (i === 0 || s > WARM_UP_GC_S[i - 1]))).toBe(true);
    const before = heapAfterGc().collections;
    const cancel = warmUpCollections([0.05, 0.1]);
    await new Promise((r) => setTimeout(r, 300));
    const afterTwo = heapAfterGc().collections;
    expect(afterTwo - before).toBeGreaterThanOrEqual(2);
    const cancelLater = warmUpCollections([0.2]);
    cancelLater();
    cancel();
    await new Promise((r) => setTimeout(r, 400));
    // nothing scheduled ran (an unrelated full collection could, but not in 0.4 s of an idle test)
    expect(heapAfterGc().collections).toBe(afterTwo);
  });
});
