/** The slice of a structured logger (pino's shape) the core and adapters use. */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
};
