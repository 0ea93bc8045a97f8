/**
 * Saves at most once per interval. A run saves after every step, but a burst of trivial steps
 * need not each pay for a write and a rename; a step that takes longer than the interval is always
 * saved at once, and flush() saves whatever is pending (chapter ends, failures, Ctrl-C).
 */
export interface ThrottledSave {
  request(): void;
  flush(): void;
}

export function throttleSaves(save: () => void, intervalMs: number): ThrottledSave {
  let last = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let dirty = false;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    last = performance.now();
    save();
  };
  return {
    request() {
      dirty = true;
      const wait = last + intervalMs - performance.now();
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    },
    flush,
  };
}
