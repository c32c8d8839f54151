/**
 * A missing or malformed setting. The message is a single line naming the variable, meant to be
 * printed as is when the program stops at start, without a stack trace.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(message);
    this.variable = variable;
  }
}
