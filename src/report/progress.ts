// A spinner on stderr, only on a TTY and never with --json (stdout stays clean).
import ora, { type Ora } from "ora";

export interface Progress {
  update(text: string): void;
  stop(): void;
}

export function startProgress(options: { enabled: boolean; stderrWrite: (text: string) => void }): Progress {
  if (!options.enabled) return { update() {}, stop() {} };
  const spinner: Ora = ora({ text: "Gathering facts…", stream: process.stderr, discardStdin: false }).start();
  return {
    update: (text) => {
      spinner.text = text;
    },
    stop: () => spinner.stop(),
  };
}
