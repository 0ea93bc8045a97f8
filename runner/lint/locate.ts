/** Turns an offset inside a block's text into the line and column of the chapter that holds it. */
import type { Position } from '../book/types.js';
import type { Problem } from '../book/problems.js';

/** `fence` is where the block's opening fence is; its text starts on the next line. */
export function locateInBlock(fence: Position, text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  const column = offset - (before.lastIndexOf('\n') + 1) + fence.column;
  return { file: fence.file, line: fence.line + 1 + line, column };
}

/** For a file of its own (a snippet): 1-based line and column of `offset`. */
export function locateInFile(file: string, text: string, offset: number): Position {
  return locateInBlock({ file, line: 0, column: 1 }, text, offset);
}

export function problemAt(position: Position, message: string, rule: string): Problem {
  return { ...position, message, rule };
}
