// Work that can wait for the first frame: what the person looks at first is painted before it.

/** Resolves after the browser has painted the next frame (a task queued from its rAF callback). */
export function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}
