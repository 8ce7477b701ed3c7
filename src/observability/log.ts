import { pino, type Logger } from 'pino';

export type { Logger };

/** Log levels accepted in the config file and on the command line. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/**
 * Creates the gateway's structured JSON logger. It always writes to stderr: in `toolgate stdio` stdout is the
 * MCP channel, and keeping one destination for both modes means operators find logs in the same place.
 * Fields that could carry secrets are redacted by path, whatever the log line.
 */
export function createLogger(level: LogLevel): Logger {
  return pino(
    {
      level,
      base: { service: 'toolgate' },
      redact: {
        paths: ['headers.authorization', 'headers.Authorization', '*.headers.authorization', 'env', '*.env', 'token'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
