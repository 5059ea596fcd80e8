/** Names read from files (run ids, model names) become folder names only when they cannot leave the folder they are joined to. */
export function assertSafeName(name: unknown, what: string, source: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name) || name.includes('..')) {
    throw new Error(`${source}: ${what} ${JSON.stringify(name)} is not a safe folder name (letters, digits, . _ - only, no ..): the file is damaged or was edited`);
  }
  return name;
}
