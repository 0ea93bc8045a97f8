/**
 * Masks output that arrives in pieces (--verbose): a secret split across two reads of a pipe is
 * masked all the same. The end of what has arrived is held back while it may be the start of a
 * secret (a prefix of a secret value, or a run of token characters), and the text shown is never
 * cut inside a secret. Output that ends a line is shown at once.
 */
import { findSecretRanges, type Mask } from './mask-secrets.js';

export interface StreamMask {
  /** The masked text that is safe to show now. */
  push(text: string): string;
  /** At the end of the stream: whatever was held back, masked. */
  end(): string;
}

/** Token and certificate-key characters: a run of them at the end may be half a token. */
const TOKEN_TAIL = /[0-9a-z.]{1,63}$/;

export function createStreamMask(mask: Mask): StreamMask {
  const { values } = mask;
  let held = '';
  return {
    push(text) {
      held += text;
      let cut = findPossibleStart(held, values);
      // Never between a secret's first and last character.
      for (let moved = true; moved;) {
        moved = false;
        for (const [start, end] of findSecretRanges(held, values)) {
          if (start < cut && cut < end) {
            cut = start;
            moved = true;
          }
        }
      }
      const ready = held.slice(0, cut);
      held = held.slice(cut);
      return mask(ready);
    },
    end() {
      const rest = held;
      held = '';
      return mask(rest);
    },
  };
}

/** Where the text's end may begin a secret that has not fully arrived; its length if nowhere. */
function findPossibleStart(text: string, values: readonly string[]): number {
  let start = text.length;
  const run = TOKEN_TAIL.exec(text);
  if (run) start = run.index;
  for (const value of values) {
    // The earliest place from which the rest of the text is a proper prefix of the value.
    const from = Math.max(0, text.length - value.length + 1);
    for (let index = text.indexOf(value[0]!, from); index !== -1 && index < start; index = text.indexOf(value[0]!, index + 1)) {
      if (value.startsWith(text.slice(index))) {
        start = index;
        break;
      }
    }
  }
  return start;
}
