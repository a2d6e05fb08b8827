import { assert, describe, it } from "@effect/vitest"
import { DateTime, Option, Schema } from "effect"
import * as IikoDate from "../src/IikoDate.ts"

const iso = (local: string, zone: string) => Option.map(IikoDate.toDateTime(local, zone), DateTime.formatIso)

describe("IikoDate", () => {
  it("reads a local date-time in the zone the caller names", () => {
    assert.deepStrictEqual(iso("2024-03-01 12:30:00.000", "Europe/Moscow"), Option.some("2024-03-01T09:30:00.000Z"))
    assert.deepStrictEqual(iso("2024-03-01 12:30:00.000", "UTC"), Option.some("2024-03-01T12:30:00.000Z"))
    assert.deepStrictEqual(iso("2024-07-01 12:30:00.250", "Europe/Berlin"), Option.some("2024-07-01T10:30:00.250Z"))
  })

  it("accepts the loose response forms and rejects impossible dates and unknown zones", () => {
    assert.deepStrictEqual(iso("2024-03-01", "UTC"), Option.some("2024-03-01T00:00:00.000Z"))
    assert.deepStrictEqual(iso("2024-03-01T12:30:05.1234567", "UTC"), Option.some("2024-03-01T12:30:05.123Z"))
    assert.isTrue(Option.isNone(IikoDate.toDateTime("2024-02-30 00:00:00.000", "UTC")))
    assert.isTrue(Option.isNone(IikoDate.toDateTime("yesterday", "UTC")))
    assert.isTrue(Option.isNone(IikoDate.toDateTime("2024-03-01 12:30:00.000", "Mars/Olympus")))
  })

  it("writes an instant as iiko's local format, and round-trips", () => {
    const instant = DateTime.makeUnsafe("2024-03-01T09:30:00.007Z")
    assert.deepStrictEqual(IikoDate.fromDateTime(instant, "Europe/Moscow"), Option.some("2024-03-01 12:30:00.007"))
    const back = Option.flatMap(IikoDate.fromDateTime(instant, "Asia/Yekaterinburg"), (s) => iso(s, "Asia/Yekaterinburg"))
    assert.deepStrictEqual(back, Option.some("2024-03-01T09:30:00.007Z"))
    assert.isTrue(Option.isNone(IikoDate.fromDateTime(instant, "Nowhere/Zone")))
  })

  it("request schema is strict, response schema is loose", () => {
    assert.isTrue(Schema.is(IikoDate.LocalDateTime)("2024-03-01 12:30:00.000"))
    assert.isFalse(Schema.is(IikoDate.LocalDateTime)("2024-03-01T12:30:00Z"))
    assert.isFalse(Schema.is(IikoDate.LocalDateTime)("2024-03-01 12:30"))
    assert.isTrue(Schema.is(IikoDate.LocalDateTimeLoose)("2024-03-01T12:30:00Z"))
    assert.isFalse(Schema.is(IikoDate.LocalDateTimeLoose)("01.03.2024"))
  })

  it("ISO 8601 for inventory and finance: an offset is required, dates are plain", () => {
    assert.isTrue(Schema.is(IikoDate.IsoDateTime)("2025-12-26T12:40:26.801+03:00"))
    assert.isTrue(Schema.is(IikoDate.IsoDateTime)("2025-12-26T12:40:26Z"))
    assert.isFalse(Schema.is(IikoDate.IsoDateTime)("2025-12-26T12:40:26.801"))
    assert.isFalse(Schema.is(IikoDate.IsoDateTime)("2025-12-26 12:40:26.801"))
    assert.isTrue(Schema.is(IikoDate.IsoDate)("2025-12-26"))
    assert.isFalse(Schema.is(IikoDate.IsoDate)("2025-12-26T00:00:00Z"))
  })

  it("writes ISO 8601 with the zone's offset, and the result reads back as the same instant", () => {
    const instant = DateTime.makeUnsafe("2025-12-26T09:40:26.801Z")
    assert.deepStrictEqual(IikoDate.toIsoDateTime(instant, "Europe/Moscow"), Option.some("2025-12-26T12:40:26.801+03:00"))
    assert.deepStrictEqual(IikoDate.toIsoDateTime(instant, "America/New_York"), Option.some("2025-12-26T04:40:26.801-05:00"))
    assert.deepStrictEqual(IikoDate.toIsoDateTime(instant, "Asia/Kolkata"), Option.some("2025-12-26T15:10:26.801+05:30"))
    const written = Option.getOrThrow(IikoDate.toIsoDateTime(instant, "Asia/Kolkata"))
    assert.strictEqual(DateTime.formatIso(DateTime.makeUnsafe(written)), "2025-12-26T09:40:26.801Z")
    assert.isTrue(Option.isNone(IikoDate.toIsoDateTime(instant, "Nowhere/Zone")))
  })
})
