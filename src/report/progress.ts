// A spinner on stderr, only on a TTY and never with --json (stdout stays clean).
import ora, { type Ora } from "ora";

export interface Progress {
  update(text: string): void;
  stop(): void;
}

export function startProgress(options: { enabled: boolean; stream?: NodeJS.WritableStream }): Progress {
  if (!options.enabled || !options.stream) return { update() {}, stop() {} };
  const spinner: Ora = ora({ text: "Gathering facts…", stream: options.stream, discardStdin: false }).start();
  return {
    update: (text) => {
      spinner.text = text;
    },
    stop: () => spinner.stop(),
  };
}
