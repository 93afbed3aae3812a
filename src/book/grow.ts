// Growth of the book's flat typed arrays: a copy with room for `length` elements. Rare (capacity
// doubles), so never on the per-update path.
type Flat = Float64Array | Int32Array | Int8Array | Uint8Array;

export function grown<A extends Flat>(a: A, length: number): A {
  const b = new (a.constructor as new (n: number) => A)(length);
  b.set(a);
  return b;
}
