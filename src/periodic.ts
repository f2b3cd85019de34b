export interface Loop {
  /** Stops the loop and waits for a pass under way to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs` until stopped, never two at once: a pass still running when the next is
 * due is not doubled. A pass that fails is reported and the next one runs on time.
 */
export function startLoop(
  pass: () => Promise<unknown>,
  options: { intervalMs: number; onError: (error: unknown) => void },
): Loop {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (stopped || running) return;
    running = pass()
      .then(
        () => {},
        (error: unknown) => options.onError(error),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
