// `sched migrate` and `sched dev` apply the shipped migrations through the PostgreSQL adapter.
export { migrate, type MigrationReport } from "../adapters/postgres/migrate.js";
