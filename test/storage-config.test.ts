// The storage and live keys as a user sets them: environment names from the key table (with the
// issue's LIVE_STREAM_* aliases) and the snake_case names in marketfeed.yaml.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { envName, loadConfig } from '../src/core/config.js';

const dir = mkdtempSync(join(tmpdir(), 'mf-storage-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('storage configuration', () => {
  it('derives the environment names the issue uses', () => {
    expect(['storage.maxRows', 'storage.maxBytes', 'storage.rotateEvery', 'storage.retentionDays', 'storage.retentionMaxBytes', 'storage.maxBufferBytes', 'storage.live'].map(envName))
      .toEqual(['STORAGE_MAX_ROWS', 'STORAGE_MAX_BYTES', 'STORAGE_ROTATE_EVERY', 'STORAGE_RETENTION_DAYS', 'STORAGE_RETENTION_MAX_BYTES', 'STORAGE_MAX_BUFFER_BYTES', 'STORAGE_LIVE']);
  });

  it('reads them from the environment, LIVE_STREAM_* included', () => {
    const cfg = loadConfig({
      env: { STORAGE_MAX_ROWS: '1000', STORAGE_ROTATE_EVERY: '1h', STORAGE_LIVE: 'true', LIVE_STREAM_ROTATE_S: '30', LIVE_STREAM_RETENTION_S: '120' },
      cwd: dir,
    });
    expect(cfg.storage).toMatchObject({ maxRows: 1000, rotateEvery: 3_600_000, live: true, maxBytes: 0, retentionDays: 0 });
    expect(cfg.live).toEqual({ rotateS: 30, retentionS: 120 });
  });

  it('accepts max_rows / max_bytes / rotate_every in marketfeed.yaml', () => {
    const file = join(dir, 'marketfeed.yaml');
    writeFileSync(file, 'storage:\n  max_rows: 500\n  max_bytes: 1048576\n  rotate_every: 15m\n  retentionDays: 7\n');
    const cfg = loadConfig({ file, env: {} });
    expect(cfg.storage).toMatchObject({ maxRows: 500, maxBytes: 1_048_576, rotateEvery: 900_000, retentionDays: 7 });
  });

  it('rejects a negative limit with the key path', () => {
    expect(() => loadConfig({ env: { STORAGE_MAX_ROWS: '-1' }, cwd: dir })).toThrow(/storage\.maxRows/);
  });
});
