// Imported first by the CLI entry, before anything can queue work on libuv's thread pool (which
// reads this once, on first use). Its default of 4 threads is shared by file writes, fsyncs,
// gzip members and DNS: with 100 symbols, snapshot fsyncs on a busy disk held all four while
// every file's flush and compression waited behind them, and row buffers grew for 20 s.
process.env.UV_THREADPOOL_SIZE ??= '8';
export {};
