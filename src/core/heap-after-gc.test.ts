// heapAfterGc: the live heap after a full collection, read from the `gc` performance entries.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { heapAfterGc } from './heap-after-gc.js';

describe('heapAfterGc', () => {
  it('reports the heap in use after each full collection, and counts them', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const before = heapAfterGc().collections;
    let keep: number[][] | undefined = Array.from({ length: 200 }, () => Array.from({ length: 5000 }, (_, i) => i));
    gc();
    await new Promise((r) => setTimeout(r, 50));
    const held = heapAfterGc();
    expect(held.collections).toBeGreaterThan(before);
    keep = undefined;
    gc();
    await new Promise((r) => setTimeout(r, 50));
    const freed = heapAfterGc();
    expect(freed.collections).toBeGreaterThan(held.collections);
    // 200 × 5000 small integers (about 8 MB of elements) were live at the first and gone at the second
    expect(held.bytes - freed.bytes).toBeGreaterThan(4 * 1024 * 1024);
    expect(keep).toBeUndefined();
  });
});
