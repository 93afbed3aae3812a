// Bitget's book rule: no sequence check (v1 frames carry no ids; v2's `seq` is documented only as
// "incrementing", not as contiguous), so the checksum alone proves each book state.
//
// Checksum (Bitget "Depth Channel" docs, v1 and v2 alike): for i = 0..24 take bid i as
// "price:amount" if it exists, then ask i if it exists; join all with ":"; CRC32. The venue sends
// it as a signed int32 (compared unsigned here). Both sides follow the level texts as received,
// with one rendering rule on top: a number below 1e-6 is written the way Java's
// BigDecimal.toString writes it (`0.000000001452` → `1.452E-9`). That rule comes from the Bitget
// vector in fixtures/cryptofeed/orderbook-checksum-vectors.json, the only evidence there is with
// such tiny values; it is not confirmed on live traffic (the 637 capture checksums have none).
import { crc32 } from 'node:zlib';
import { CHECKSUM_ONLY_RULE, type BookRule } from '../../book/types.js';

export const CHECKSUM_DEPTH = 25;

/**
 * A plain decimal text as Java's BigDecimal.toString renders the same value: unchanged unless the
 * adjusted exponent is below -6 (the text starts "0.000000"), then `d.dddE-n` with every digit of
 * the unscaled value kept (trailing zeros too: `0.000000001450` → `1.450E-9`).
 */
export function javaDecimalText(text: string): string {
  if (!text.startsWith('0.000000')) return text;
  let i = 2;
  while (i < text.length && text.charCodeAt(i) === 48) i++;
  const scale = text.length - 2;
  if (i === text.length) return `0E-${scale}`; // zero with a scale below -6
  const digits = text.slice(i);
  for (let k = 0; k < digits.length; k++) {
    const c = digits.charCodeAt(k);
    if (c < 48 || c > 57) return text; // not a plain decimal: leave it as sent
  }
  const adjusted = digits.length - 1 - scale;
  const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${mantissa}E${adjusted}`;
}

/** Bitget's checksum of the best `CHECKSUM_DEPTH` levels per side (unsigned 32-bit). */
export function bitgetChecksum(bids: readonly (readonly [string, string])[], asks: readonly (readonly [string, string])[]): number {
  const n = Math.min(CHECKSUM_DEPTH, Math.max(bids.length, asks.length));
  let s = '';
  for (let i = 0; i < n; i++) {
    if (i < bids.length) s += (s === '' ? '' : ':') + javaDecimalText(bids[i][0]) + ':' + javaDecimalText(bids[i][1]);
    if (i < asks.length) s += (s === '' ? '' : ':') + javaDecimalText(asks[i][0]) + ':' + javaDecimalText(asks[i][1]);
  }
  return crc32(s) >>> 0;
}

export const bookRule = {
  ...CHECKSUM_ONLY_RULE,
  checksum: { depth: CHECKSUM_DEPTH, compute: bitgetChecksum },
} satisfies BookRule;
