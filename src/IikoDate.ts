/**
 * iiko's local date-time strings. The transport API writes instants as
 * `yyyy-MM-dd HH:mm:ss.fff` without a zone: mostly in the terminal group's local time, and in UTC
 * for webhook `eventTime`. Generated schemas keep these values as strings (validated by
 * {@link LocalDateTime} in requests, loosely by {@link LocalDateTimeLoose} in responses); the
 * helpers here convert them to and from `DateTime` with a time zone the caller names explicitly,
 * because the string itself never says which zone it is in.
 *
 * The inventory and finance operations (`/api/inventory/v1`, `/api/finance/v1`) use ISO 8601
 * instead: date-times with an offset (`2025-12-26T12:40:26.801+03:00`, {@link IsoDateTime}) and
 * plain dates (`2025-12-26`, {@link IsoDate}); {@link toIsoDateTime} writes them.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

const STRICT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})$/
const LOOSE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?/

/**
 * A local date-time exactly as iiko expects it in requests: `yyyy-MM-dd HH:mm:ss.fff`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LocalDateTime = /*#__PURE__*/ Schema.String.check(
  /*#__PURE__*/ Schema.isPattern(STRICT, { expected: "a local date-time yyyy-MM-dd HH:mm:ss.fff" })
)

/**
 * A local date-time as iiko may send it in responses: the strict form, or a shorter or longer
 * variant (no seconds, 1–7 fraction digits, a `T` separator, a trailing zone). Only the leading
 * `yyyy-MM-dd` is required.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LocalDateTimeLoose = /*#__PURE__*/ Schema.String.check(
  /*#__PURE__*/ Schema.isPattern(LOOSE, { expected: "a date-time starting with yyyy-MM-dd" })
)

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

/**
 * An ISO 8601 date-time with its offset, as the inventory and finance operations expect it in
 * requests: `YYYY-MM-DDThh:mm[:ss[.sss]]±hh:mm` (or `Z`). A value without an offset is rejected,
 * since the server would have to guess the zone.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IsoDateTime = /*#__PURE__*/ Schema.String.check(
  /*#__PURE__*/ Schema.isPattern(ISO_DATE_TIME, { expected: "an ISO 8601 date-time with offset, e.g. 2025-12-26T12:40:26.801+03:00" })
)

/**
 * An ISO 8601 calendar date, `YYYY-MM-DD`, as the inventory and finance operations expect it in
 * requests (payment and period dates).
 *
 * @since 0.1.0
 * @category schemas
 */
export const IsoDate = /*#__PURE__*/ Schema.String.check(
  /*#__PURE__*/ Schema.isPattern(ISO_DATE, { expected: "a date YYYY-MM-DD" })
)

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

/**
 * Reads an iiko local date-time (strict or loose form) as an instant in the given IANA time zone
 * (e.g. the terminal group's zone, or `"UTC"` for webhook `eventTime`). `None` when the text or
 * the zone is invalid.
 *
 * @example
 * ```ts
 * import { IikoDate } from "effect-iiko"
 * IikoDate.toDateTime("2024-03-01 12:30:00.000", "Europe/Moscow") // Some(2024-03-01T09:30:00.000Z)
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const toDateTime = (local: string, timeZone: string): Option.Option<DateTime.Zoned> => {
  const match = LOOSE.exec(local)
  if (match === null) return Option.none()
  const [, year, month, day, hour, minute, second, fraction] = match
  const parts = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour ?? 0),
    minute: Number(minute ?? 0),
    second: Number(second ?? 0),
    millisecond: Number((fraction ?? "0").padEnd(3, "0").slice(0, 3))
  }
  if (!isCalendarDate(parts.year, parts.month, parts.day)) return Option.none()
  return DateTime.makeZoned(parts, { timeZone, adjustForTimeZone: true, disambiguation: "compatible" })
}

const isCalendarDate = (year: number, month: number, day: number): boolean => {
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/**
 * Writes an instant as iiko's `yyyy-MM-dd HH:mm:ss.fff` in the given IANA time zone (the zone the
 * receiving terminal group works in). `None` when the zone is unknown.
 *
 * @example
 * ```ts
 * import { DateTime } from "effect"
 * import { IikoDate } from "effect-iiko"
 * IikoDate.fromDateTime(DateTime.makeUnsafe("2024-03-01T09:30:00Z"), "Europe/Moscow") // Some("2024-03-01 12:30:00.000")
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const fromDateTime = (instant: DateTime.DateTime, timeZone: string): Option.Option<string> =>
  Option.map(DateTime.setZoneNamed(instant, timeZone), (zoned) => format(DateTime.toParts(zoned)))

const format = (p: DateTime.DateTime.Parts): string =>
  `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)} ${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}.${
    pad(p.millisecond, 3)
  }`

/**
 * Writes an instant as ISO 8601 with the offset of the given IANA time zone, the form the
 * inventory and finance operations take (`2025-12-26T12:40:26.801+03:00`). `None` when the zone is
 * unknown.
 *
 * @example
 * ```ts
 * import { DateTime } from "effect"
 * import { IikoDate } from "effect-iiko"
 * IikoDate.toIsoDateTime(DateTime.makeUnsafe("2025-12-26T09:40:26.801Z"), "Europe/Moscow") // Some("2025-12-26T12:40:26.801+03:00")
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const toIsoDateTime = (instant: DateTime.DateTime, timeZone: string): Option.Option<string> =>
  Option.map(DateTime.setZoneNamed(instant, timeZone), (zoned) => {
    const p = DateTime.toParts(zoned)
    return `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}T${pad(p.hour, 2)}:${pad(p.minute, 2)}:${
      pad(p.second, 2)
    }.${pad(p.millisecond, 3)}${DateTime.zonedOffsetIso(zoned)}`
  })
