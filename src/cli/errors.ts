/** Every failure reaches the user as one line and a non-zero exit, never a stack trace. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim() || 'unknown error';
}

export function fail(err: unknown): never {
  process.stderr.write(`tltc: ${oneLine(err)}\n`);
  if (process.env.TLTC_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

/** Parses a positive integer CLI value, naming the flag when it is not one. */
export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive whole number, got "${value}"`);
    return n;
  };
}

export function nonNegativeInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number >= 0, got "${value}"`);
    return n;
  };
}

export function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${flag} must be a positive number, got "${value}"`);
    return n;
  };
}

export function nonNegativeNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n >= 0) || !Number.isFinite(n)) throw new Error(`${flag} must be a number >= 0, got "${value}"`);
    return n;
  };
}

export function unitInterval(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n >= 0 && n <= 1)) throw new Error(`${flag} must be in [0, 1], got "${value}"`);
    return n;
  };
}

/** A share in [0, 1): some of a whole, never all of it. */
export function shareBelowOne(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n >= 0 && n < 1)) throw new Error(`${flag} must be in [0, 1), got "${value}"`);
    return n;
  };
}

export function openUnitInterval(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n > 0 && n < 1)) throw new Error(`${flag} must be between 0 and 1 (exclusive), got "${value}"`);
    return n;
  };
}
