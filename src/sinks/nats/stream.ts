// The JetStream stream the recorders publish into: created when missing, with retention by age
// and bytes, a replica count and the duplicate window that makes two recorders' copies one.
import { jetstreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { MarketfeedError } from '../../core/errors.js';

export interface BusStreamOptions {
  /** Stream name (default MARKETFEED). */
  name: string;
  /** Prefix before `md.` / `raw.` ('' = none): a test or a tenant keeps its own subjects. */
  prefix: string;
  /** Messages older than this are dropped by the server; 0 = keep forever. */
  maxAgeMs: number;
  /** The stream keeps at most this many bytes (oldest dropped first); -1 = unlimited. */
  maxBytes: number;
  replicas: number;
  /** Two messages with one Nats-Msg-Id inside this window are stored once. */
  duplicateWindowMs: number;
}

export const DEFAULT_STREAM: BusStreamOptions = {
  name: 'MARKETFEED', prefix: '', maxAgeMs: 7 * 24 * 3600_000, maxBytes: -1, replicas: 1, duplicateWindowMs: 10 * 60_000,
};

const NS_PER_MS = 1_000_000;

export function streamSubjects(prefix: string): string[] {
  const p = prefix === '' ? '' : prefix + '.';
  return [`${p}md.>`, `${p}raw.>`];
}

/** Creates the stream when it does not exist; an existing one is used as it is (its config is the operator's). */
export async function ensureStream(nc: NatsConnection, o: BusStreamOptions): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(o.name);
    return;
  } catch (e) {
    if (!/not found/i.test((e as Error).message)) throw busError(`cannot read JetStream stream ${o.name}`, e);
  }
  const cfg: Partial<StreamConfig> & { name: string } = {
    name: o.name,
    subjects: streamSubjects(o.prefix),
    max_age: o.maxAgeMs * NS_PER_MS,
    max_bytes: o.maxBytes,
    num_replicas: o.replicas,
    duplicate_window: o.duplicateWindowMs * NS_PER_MS,
  };
  try {
    await jsm.streams.add(cfg);
  } catch (e) {
    throw busError(`cannot create JetStream stream ${o.name} (${streamSubjects(o.prefix).join(', ')})`, e);
  }
}

function busError(what: string, cause: unknown): MarketfeedError {
  return new MarketfeedError('MF_ERR_UNREACHABLE', `${what}: ${(cause as Error).message}`, { cause });
}
