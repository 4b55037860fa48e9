export { SqliteConnection, SqliteStatement, defaultSqliteDriver, openSqlite } from './sqlite-driver.js';
export type { SqliteDriverName, SqliteOpenOptions, SqliteRow, SqliteRunResult, SqliteValue } from './sqlite-driver.js';
export { SqliteThread, SqliteThreadError, type SqliteRead, type SqliteWrite } from './sqlite-thread.js';
