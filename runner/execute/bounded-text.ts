/**
 * A step's output, kept in memory only at its head and its tail (a MiB each): a step that prints
 * a gigabyte must not take the runner down with it (V8 strings end at 512 MiB). What falls between
 * goes to `onOmitted` as it arrives, which writes it to the step's log folder.
 */
export const KEPT_CHARS = 1 << 20;

export class BoundedText {
  private head = '';
  private readonly tail: string[] = [];
  private tailLength = 0;
  /** Characters neither in the head nor in the tail. */
  omitted = 0;

  constructor(
    private readonly onOmitted: (text: string) => void = () => {},
    private readonly limit = KEPT_CHARS,
  ) {}

  push(text: string): void {
    if (this.head.length < this.limit) {
      const room = this.limit - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text === '') return;
    this.tail.push(text);
    this.tailLength += text.length;
    while (this.tailLength - this.tail[0]!.length >= this.limit) {
      const dropped = this.tail.shift()!;
      this.tailLength -= dropped.length;
      this.omitted += dropped.length;
      this.onOmitted(dropped);
    }
  }

  text(): string {
    const tail = this.tail.join('');
    if (this.omitted === 0) return this.head + tail;
    return `${this.head}\n[… ${this.omitted} characters of output not kept here; see the step's log folder …]\n${tail}`;
  }
}
