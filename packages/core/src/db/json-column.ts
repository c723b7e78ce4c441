/**
 * A json/jsonb column's value: pg and PGlite parse it, a driver that does not hands over the
 * text. One place for the difference, so every reader gets the parsed value.
 */
export function jsonColumn<T>(value: T | string): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
}
