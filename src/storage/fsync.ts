// fsync of a file or a directory by path: what makes a finished file (and the rename that
// finished it) survive a power cut.
import { open } from 'node:fs/promises';

export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
