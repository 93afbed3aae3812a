// Parquet copies of the CSV outputs and SQL over a data directory, both through DuckDB (loaded
// lazily, on first use).
export { writeParquet, convertDay, parquetPathFor, type ParquetResult, type ParquetOptions } from './convert.js';
export { DataQuery, type DataQueryOptions, type QueryColumn, type QueryStream, type QueryValue } from './query.js';
export { listDataFiles, type DataFile, type DataFormat } from './catalog.js';
export { typedColumns, OUTPUT_KINDS, type OutputKind, type TypedColumn } from './columns.js';
export { guessUnifiedSymbol, SYMBOL_META_FILE } from './unified-symbol.js';
