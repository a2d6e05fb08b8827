/**
 * `effect-iiko menu export`: one organization's nomenclature as JSON (everything iiko sent,
 * re-encoded) or CSV (one row per product and size: id, code, name, type, group, size, price).
 *
 * @since 0.1.0
 */
import { Console, Effect, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import * as Iiko from "../Iiko.ts"
import type { NomenclatureResponse } from "../generated/Menu.ts"
import * as CliFailure from "./CliFailure.ts"

/**
 * Finds an organization by id or exact name (case-insensitive). With none given, the first one
 * iiko lists (the only one, for most credentials), naming it and the others on stderr, so a
 * bare `menu export` works and its output keeps one shape (one menu) whatever the count.
 *
 * @since 0.1.0
 * @category organizations
 */
export const findOrganization = (wanted: Option.Option<string>) =>
  Effect.gen(function*() {
    const { organizations } = yield* Iiko.organizations({ returnAdditionalInfo: false })
    const list = () => organizations.map((o) => `${o.name ?? "?"} (${o.id})`).join(", ")
    if (Option.isNone(wanted)) {
      const [first, ...others] = organizations
      if (first === undefined) return yield* CliFailure.failed("the credentials reach no organization")
      if (others.length > 0) {
        yield* Console.error(
          `exporting ${first.name ?? "?"} (${first.id}), the first of ${organizations.length} organizations; ` +
            `choose another with --organization: ${list()}`
        )
      }
      return first
    }
    const key = wanted.value.toLowerCase()
    const found = organizations.find((o) => o.id.toLowerCase() === key || o.name?.toLowerCase() === key)
    if (found === undefined) return yield* CliFailure.usage(`no organization '${wanted.value}'; reachable: ${list()}`)
    return found
  })

const CSV_HEADER = ["productId", "code", "name", "type", "groupId", "sizeId", "price", "isIncludedInMenu", "isDeleted"]

const csvCell = (value: unknown): string => {
  const text = value === null || value === undefined ? "" : String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, "\"\"")}"` : text
}

/**
 * The nomenclature's products as CSV (RFC 4180 quoting), one row per size price.
 *
 * @since 0.1.0
 * @category formats
 */
export const toCsv = (menu: NomenclatureResponse): string => {
  const rows = menu.products.flatMap((product) => {
    const prices = product.sizePrices == null || product.sizePrices.length === 0 ? [undefined] : product.sizePrices
    return prices.map((sizePrice) => [
      product.id,
      product.code,
      product.name,
      product.type,
      product.groupId,
      sizePrice?.sizeId,
      sizePrice?.price.currentPrice,
      sizePrice?.price.isIncludedInMenu,
      product.isDeleted ?? false
    ])
  })
  return [CSV_HEADER, ...rows].map((row) => row.map(csvCell).join(",")).join("\n")
}

/**
 * The `menu` command with its `export` subcommand.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("menu").pipe(
  Command.withDescription("Menu (nomenclature) commands"),
  Command.withSubcommands([
    Command.make(
      "export",
      {
        organization: Flag.String("organization").pipe(
          Flag.withDescription("Organization id or name (default: the first one iiko lists)"),
          Flag.optional
        ),
        format: Flag.Literals("format", ["json", "csv"]).pipe(
          Flag.withDescription("json: the whole nomenclature; csv: one row per product and size"),
          Flag.withDefault("json")
        )
      },
      ({ format, organization }) =>
        Effect.gen(function*() {
          const found = yield* findOrganization(organization)
          const menu = yield* Iiko.nomenclature({ organizationId: found.id })
          if (format === "csv") return yield* Console.log(toCsv(menu))
          const json = yield* Schema.encodeUnknownEffect(Iiko.nomenclature.endpoint.response)(menu).pipe(Effect.orDie)
          yield* Console.log(JSON.stringify(json, null, 2))
        })
    ).pipe(Command.withDescription("Print one organization's menu as JSON or CSV"))
  ])
)
