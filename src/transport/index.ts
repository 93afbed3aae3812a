// transport: the websocket connection every venue uses, and the REST client.
export { Connection } from './connection.js';
export type { ConnectionOptions, ConnectionStatus, ConnectionWarning, ConnectionStats } from './connection.js';
export { RestClient } from './rest.js';
export type { RestClientOptions, RestResponse, RestStats } from './rest.js';
export { ProxyRoute, maskProxyUrl, parseProxyUrl } from './proxy.js';
export { WeightBudget } from './weight-budget.js';
export { backoffDelayMs, retryAfterMs, isRateLimitStatus } from './backoff.js';
export type { TransportLog } from './log.js';
