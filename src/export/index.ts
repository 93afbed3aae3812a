// Export: a recorded data directory in other tools' file formats, built from the verified replay.
export { exportTardis, parseTypes } from './tardis-export.js';
export type { DayCheck, ExportProgress, TardisExportOptions, TardisExportReport } from './tardis-export.js';
export { TARDIS_DATA_TYPES, TARDIS_HEADERS, isTardisDataType } from './tardis-rows.js';
export type { TardisDataType } from './tardis-rows.js';
export { tardisFileName, tardisMarket } from './tardis-exchanges.js';
export type { TardisMarket } from './tardis-exchanges.js';
export type { ExportedFile } from './export-files.js';
