// Readers for day files, for tests and replay. They are tolerant of the one damage our writers
// can leave behind (a half-written final gzip member after a crash): everything up to the last
// complete member is returned and `truncated` says something was cut.
import { readFile } from 'node:fs/promises';
import { walkMembers } from './gzip-members.js';
import { parseCsv } from './csv.js';

export interface GzipText {
  text: string;
  /** True when the file ends in an incomplete or damaged member (or, for lines, an unterminated line). */
  truncated: boolean;
  members: number;
  /** Bytes of the file covered by complete members. */
  validBytes: number;
}

export interface GzipLines extends Omit<GzipText, 'text'> {
  /** Complete lines, without their '\n'. */
  lines: string[];
}

export interface CsvFile {
  header: string[];
  rows: string[][];
  truncated: boolean;
}

/** The decompressed text of every complete member of a .gz file. */
export async function readGzipText(path: string): Promise<GzipText> {
  const buf = await readFile(path);
  const parts: Buffer[] = [];
  const walk = walkMembers(buf, (data) => parts.push(data));
  return { text: Buffer.concat(parts).toString('utf8'), ...walk };
}

/** Lines of a .gz file up to the last complete member; a final line without '\n' is left out. */
export async function readGzipLines(path: string): Promise<GzipLines> {
  const { text, truncated, members, validBytes } = await readGzipText(path);
  const lines = text.split('\n');
  const last = lines.pop(); // '' when the text ends with '\n'
  return { lines, truncated: truncated || (last !== undefined && last.length > 0), members, validBytes };
}

/** A .csv.gz file as header + rows (RFC 4180 quoting, so a detail may span lines). */
export async function readCsv(path: string): Promise<CsvFile> {
  const { text, truncated } = await readGzipText(path);
  const all = parseCsv(text);
  return { header: all.length > 0 ? all[0] : [], rows: all.slice(1), truncated };
}
