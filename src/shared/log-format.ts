// The log formats, apart from the logger (which loads pino), so the option table can name them.
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;

/** auto: readable lines when logging to a terminal, JSON otherwise (and always in a file). */
export type LogFormat = (typeof LOG_FORMATS)[number];
