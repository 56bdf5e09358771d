// A monotonic clock in milliseconds. Not `performance.now()`: the first use of that global loads
// node:perf_hooks and its timing machinery, ~2 ms of every start for a subtraction.
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
