// A spinner on stderr, only on a terminal that reports a usable width and never with --json
// (stdout stays clean). ora is loaded only when a spinner will really be drawn.
import type { Ora } from "ora";

export interface Progress {
  update(text: string): void;
  stop(): void;
}

/**
 * Narrower than this, or a width of 0/unknown (`stty cols 0`, some CI ptys), and there is no
 * spinner: ora divides by the width to count lines to erase, and 0 columns means an endless loop.
 */
export const MIN_SPINNER_COLUMNS = 20;

const NO_PROGRESS: Progress = { update() {}, stop() {} };

type TtyLike = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export function usableTerminal(stream: NodeJS.WritableStream): boolean {
  const tty = stream as TtyLike;
  return tty.isTTY === true && typeof tty.columns === "number" && Number.isFinite(tty.columns) && tty.columns >= MIN_SPINNER_COLUMNS;
}

/** One line, never wider than the terminal (so ora never has more than one line to erase). */
function fit(text: string, stream: TtyLike): string {
  const room = Math.max(1, (stream.columns ?? MIN_SPINNER_COLUMNS) - 4);
  const line = text.replace(/[\r\n]+/g, " ");
  return line.length > room ? `${line.slice(0, room - 1)}…` : line;
}

export async function startProgress(options: { enabled: boolean; stream?: NodeJS.WritableStream }): Promise<Progress> {
  const stream = options.stream as TtyLike | undefined;
  if (!options.enabled || !stream || !usableTerminal(stream)) return NO_PROGRESS;
  const { default: ora } = await import("ora");
  const spinner: Ora = ora({ text: fit("Gathering facts…", stream), stream, discardStdin: false }).start();
  let running = true;
  const stop = () => {
    if (!running) return;
    running = false;
    stream.removeListener("resize", onResize);
    spinner.stop();
  };
  // Shrunk to nothing mid-run (the terminal resized to 0 columns): stop before ora draws again.
  const onResize = () => {
    if (!usableTerminal(stream)) stop();
  };
  stream.on("resize", onResize);
  return {
    update: (text) => {
      if (running) spinner.text = fit(text, stream);
    },
    stop,
  };
}
