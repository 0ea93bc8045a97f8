/** Dates as a reader reads them: `24 November 2026, 03:40 UTC` (the site is built once for everyone, so UTC). */
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

/** The day only: `24 November 2026`. */
export function formatDay(iso: string): string {
  return formatDate(iso).replace(/, .*$/, '');
}
