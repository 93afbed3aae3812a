-- marketfeed's PostgreSQL tables (`marketfeed sink --postgres … --init`, `record --postgres … --init`).
-- Times: `ts` (venue time) and `local_ts` (receive time) as epoch microseconds, plus `time`, the venue
-- time as a timestamptz for SQL. Prices and amounts are numeric, exact as the venue sent them.
-- Keys are natural: a trade is (venue, symbol, trade_id); every other row is keyed by `event_key`,
-- built from the venue's own data (src/sinks/subjects.ts, the bus's Nats-Msg-Id), so a redelivery,
-- a restart or a second recorder of the same symbols never adds a row. `time` is in every key so
-- that the tables can become TimescaleDB hypertables where that extension exists.

CREATE TABLE IF NOT EXISTS trades (
  venue     text        NOT NULL,
  symbol    text        NOT NULL,
  trade_id  text        NOT NULL,
  ts        bigint      NOT NULL,
  local_ts  bigint      NOT NULL,
  time      timestamptz NOT NULL,
  price     numeric     NOT NULL,
  qty       numeric     NOT NULL,
  side      text        NOT NULL,
  PRIMARY KEY (venue, symbol, trade_id, time)
);

-- One verified top-N book (the recorder's book files, row for row); levels as [[price, qty], …]
-- with the venue's exact text.
CREATE TABLE IF NOT EXISTS book_top (
  event_key text        NOT NULL,
  venue     text        NOT NULL,
  symbol    text        NOT NULL,
  ts        bigint      NOT NULL,
  local_ts  bigint      NOT NULL,
  time      timestamptz NOT NULL,
  update_id bigint      NOT NULL,
  depth     integer     NOT NULL,
  bids      jsonb       NOT NULL,
  asks      jsonb       NOT NULL,
  PRIMARY KEY (event_key, time)
);

CREATE TABLE IF NOT EXISTS quotes (
  event_key  text        NOT NULL,
  venue      text        NOT NULL,
  symbol     text        NOT NULL,
  ts         bigint      NOT NULL,
  local_ts   bigint      NOT NULL,
  time       timestamptz NOT NULL,
  update_id  bigint,
  bid_price  numeric     NOT NULL,
  bid_qty    numeric     NOT NULL,
  ask_price  numeric     NOT NULL,
  ask_qty    numeric     NOT NULL,
  PRIMARY KEY (event_key, time)
);

CREATE TABLE IF NOT EXISTS derivatives (
  event_key       text        NOT NULL,
  venue           text        NOT NULL,
  symbol          text        NOT NULL,
  ts              bigint      NOT NULL,
  local_ts        bigint      NOT NULL,
  time            timestamptz NOT NULL,
  mark_price      numeric,
  index_price     numeric,
  funding_rate    numeric,
  next_funding_ts bigint,
  open_interest   numeric,
  PRIMARY KEY (event_key, time)
);

-- Everything else (tickers, liquidations, candles, status, gaps), its event as JSON.
CREATE TABLE IF NOT EXISTS events (
  event_key text        NOT NULL,
  venue     text        NOT NULL,
  symbol    text        NOT NULL,
  type      text        NOT NULL,
  ts        bigint      NOT NULL,
  local_ts  bigint      NOT NULL,
  time      timestamptz NOT NULL,
  body      jsonb       NOT NULL,
  PRIMARY KEY (event_key, time)
);

CREATE INDEX IF NOT EXISTS trades_symbol_time ON trades (venue, symbol, time);
CREATE INDEX IF NOT EXISTS book_top_symbol_time ON book_top (venue, symbol, time);
CREATE INDEX IF NOT EXISTS quotes_symbol_time ON quotes (venue, symbol, time);
CREATE INDEX IF NOT EXISTS derivatives_symbol_time ON derivatives (venue, symbol, time);
CREATE INDEX IF NOT EXISTS events_symbol_time ON events (venue, symbol, time);
