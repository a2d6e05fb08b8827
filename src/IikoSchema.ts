/**
 * Schema building blocks for iiko's wire formats, used by the generated code: GUIDs, enums that
 * stay open in responses, and the fallback member that keeps unknown union variants.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A GUID in request bodies: the dashed hexadecimal shape, without RFC version or variant checks
 * (iiko ids are .NET GUIDs and need not be RFC 4122 UUIDs).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Uuid = /*#__PURE__*/ Schema.String.check(/*#__PURE__*/ Schema.isGUID())

/**
 * A string enum in a response: the known values are typed, and a value iiko adds later still
 * decodes (as a plain string) instead of failing the whole response.
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenEnum<L extends ReadonlyArray<string>> extends Schema.Codec<L[number] | (string & {}), string> {}

/**
 * Builds an {@link OpenEnum}.
 *
 * @example
 * ```ts
 * import { IikoSchema } from "effect-iiko"
 * const Status = IikoSchema.openEnum(["New", "Closed"]) // decodes "New", "Closed" and any other string
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const openEnum = <const L extends ReadonlyArray<string>>(literals: L): OpenEnum<L> =>
  Schema.String.annotate({ expected: `${literals.join(" | ")} (or a newer value)` })

/**
 * An integer enum in a response whose wire format is unverified: the known numbers are typed,
 * and any number or string decodes.
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenIntEnum<L extends ReadonlyArray<number>>
  extends Schema.Codec<L[number] | (number & {}) | (string & {}), number | string>
{}

/**
 * Builds an {@link OpenIntEnum}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const openIntEnum = <const L extends ReadonlyArray<number>>(literals: L): OpenIntEnum<L> =>
  Schema.Union([Schema.Number, Schema.String]).annotate({
    expected: `${literals.join(" | ")} (as a number or a string)`
  })

/**
 * A request body with no fields: only `{}` encodes (an empty `Schema.Struct` would accept any
 * object, even with `onExcessProperty: "error"`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const NoFields = /*#__PURE__*/ Schema.Record(Schema.String, Schema.Never)

/**
 * The extra keys of an unknown union variant, kept as they came.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Rest = /*#__PURE__*/ Schema.Record(Schema.String, Schema.Unknown)

const notOneOf = <A extends string | number>(known: ReadonlyArray<A>) =>
  Schema.makeFilter<A>((value) => !known.includes(value), { expected: `a tag other than ${known.join(", ")}` })

/**
 * The tag of an unknown variant: any string except the known tags, so a known variant with a
 * malformed body is reported instead of silently becoming "unknown".
 *
 * @since 0.1.0
 * @category constructors
 */
export const unknownTag = (known: ReadonlyArray<string>): Schema.Codec<string> => Schema.String.check(notOneOf(known))

/**
 * {@link unknownTag} for numeric tags (the external menu's `formatVersion`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const unknownNumberTag = (known: ReadonlyArray<number>): Schema.Codec<number> =>
  Schema.Number.check(notOneOf(known))

/**
 * The last member of a response union: a variant this version does not know (e.g. a new payment
 * kind). It decodes the known common fields and keeps every other key instead of failing.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unknownVariant = <const S extends Schema.Struct<Schema.Struct.Fields>>(
  fields: S
): Schema.StructWithRest<S, readonly [typeof Rest]> => Schema.StructWithRest(fields, [Rest])

/**
 * A response union that stays open: the `known` variants, and `fallback` (an
 * {@link unknownVariant}) for a tag this version does not know. It decodes to the same values as
 * `Schema.Union([...known, fallback])` (an element that fits neither also names the known
 * variants in its error), but keeps the known variants in a union of their own:
 * effect picks among tagged members by one lookup of the tag, while a union that also holds an
 * untagged member builds and sorts a fresh candidate list for every element it decodes (four times
 * the CPU on a list of organizations).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { IikoSchema } from "effect-iiko"
 *
 * const Payment = IikoSchema.openUnion(
 *   [
 *     Schema.Struct({ kind: Schema.Literal("Cash"), sum: Schema.Number }),
 *     Schema.Struct({ kind: Schema.Literal("Card"), sum: Schema.Number })
 *   ],
 *   IikoSchema.unknownVariant(Schema.Struct({ kind: IikoSchema.unknownTag(["Cash", "Card"]) }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const openUnion = <const Known extends ReadonlyArray<Schema.Top>, Fallback extends Schema.Top>(
  known: Known,
  fallback: Fallback
): Schema.Union<readonly [Schema.Union<Known>, Fallback]> => Schema.Union([Schema.Union(known), fallback])
