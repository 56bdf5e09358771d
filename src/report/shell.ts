// Hints are pasted into a shell: a path with a space or a quote must survive that.
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:@%+=,~-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
