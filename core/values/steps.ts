// Long work as steps: a generator that yields its progress between slices of work, so a host can
// report, cancel and let other work in (core/resources/entry.ts runPaced), and runs to its end
// in one go where nothing waits (drain). Here, below the rules, so rules can be stepwise too.

/** Reported between the steps of a long call (the clock's billing moments). */
export interface StepProgress {
  from: number;
  to: number;
  at: number;
  /**
   * True inside a unit that must finish as a whole (a billing moment part-way through its
   * subscriptions): the host may handle other work here, but a cancel waits for the next step
   * without it.
   */
  partial?: boolean;
}

/** Runs a stepwise call to its end. */
export function drain<R>(steps: Generator<StepProgress, R>): R {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
