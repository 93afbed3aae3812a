// The server of `record --serve` and `serve --data-dir`: a hub over the streams, the HTTP and
// WebSocket servers on it, and the one line that tells the user where they are (the first line
// of stdout, so `npm start` shows the dashboard URL before anything else).
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { ServeHub } from '../serve/hub.js';
import { MetricsWs } from '../serve/metrics-ws.js';
import type { RecorderStats } from '../serve/prometheus.js';
import { ServeServer, type ServeAddresses } from '../serve/server.js';
import type { StreamRef } from '../serve/types.js';

export interface Serving {
  hub: ServeHub;
  server: ServeServer;
  addresses: ServeAddresses;
  close(): Promise<void>;
}

export async function startServing(cfg: Config, streams: readonly StreamRef[], log: Logger, recorder?: RecorderStats): Promise<Serving> {
  const hub = new ServeHub({ dataDir: cfg.dataDir, streams, log });
  const server = new ServeServer({
    hub, host: cfg.serveHost, port: cfg.servePort, metricsPort: cfg.metricsPort, token: cfg.serveToken,
    maxClients: cfg.serveMaxClients, clientQueue: cfg.serveClientQueue, recorder,
    metricsWs: () => new MetricsWs({ source: hub, maxClients: cfg.serveMaxClients }),
  });
  const addresses = await server.listen();
  hub.start();
  process.stdout.write(`marketfeed: serving ${addresses.http} (relay ${addresses.relay}${addresses.metrics ? `, metrics ${addresses.metrics}` : ''})\n`);
  if (!isLoopback(cfg.serveHost) && cfg.serveToken === '') {
    log.warn({ host: cfg.serveHost }, 'serving beyond this machine without --serve-token: anyone who can reach the port reads everything');
  }
  return {
    hub, server, addresses,
    close: async () => {
      hub.stop();
      await server.close();
    },
  };
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}
