/**
 * The main job: authenticate, list organizations and terminal groups, load the menu, create a
 * delivery, follow it to completion and print a short summary.
 *
 * Runs against the embedded emulator when no `IIKO_*` credentials are set (nothing leaves the
 * process), and against iiko Cloud when they are (`IIKO_APP_ID`, `IIKO_CLIENT_SECRET`,
 * `IIKO_API_KEY`, or `IIKO_API_LOGIN`; see the README). Against a real account it creates a
 * real pickup order, so point it at a test organization.
 *
 *     npm start
 */
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { randomUUID } from "node:crypto"
import { Iiko, IikoAuth, IikoClient, IikoCommand, IikoConfig, IikoCreation } from "../src/index.ts"
import { IikoEmulator } from "../src/testing/index.ts"

const program = Effect.gen(function*() {
  const auth = yield* IikoAuth.IikoAuth
  yield* auth.token
  yield* Effect.log("authenticated")

  const { organizations } = yield* Iiko.organizations({ returnAdditionalInfo: false })
  const organization = organizations[0]
  if (organization === undefined) return yield* Effect.fail("the credentials grant access to no organization")
  const { terminalGroups } = yield* Iiko.terminalGroups({ organizationIds: [organization.id] })
  const terminals = terminalGroups.flatMap((group) => group.items)
  yield* Effect.log(`${organizations.length} organization(s); using ${organization.name}, ${terminals.length} terminal group(s)`)

  const { externalMenus } = yield* Iiko.menuV2()
  const externalMenu = externalMenus?.[0]
  if (externalMenu === undefined) return yield* Effect.fail("the API login has no external menu")
  const menu = yield* Iiko.menuByIdV3({ externalMenuId: externalMenu.id, organizationId: organization.id })
  const items = (menu.itemsGroups ?? []).flatMap((group) => group.items ?? [])
  const dish = items.find((item) => (item.sizePrices?.[0]?.price ?? 0) > 0)
  const price = dish?.sizePrices?.[0]?.price
  if (dish?.productId == null || price == null) return yield* Effect.fail("the menu has no priced product")
  yield* Effect.log(`menu ${menu.name}: ${items.length} items in ${menu.itemsGroups?.length ?? 0} groups`)

  // The order id is chosen here: should the create call fail ambiguously (connection reset, timeout,
  // 5xx), IikoCreation reads the order back by this id instead of creating it twice.
  const orderId = randomUUID()
  const created = yield* IikoCreation.createDelivery({
    organizationId: organization.id,
    ...(terminals[0] === undefined ? {} : { terminalGroupId: terminals[0].id }),
    order: {
      id: orderId,
      phone: "+70000000000",
      orderServiceType: "DeliveryByClient",
      comment: "effect-iiko quickstart",
      items: [{ type: "Product", productId: dish.productId, amount: 2, price }]
    }
  })
  yield* Effect.log(`delivery ${orderId} accepted (${created.info.creationStatus}), following it`)

  const command = created.correlationId === undefined
    ? undefined
    : yield* IikoCommand.wait({ organizationId: organization.id, correlationId: created.correlationId })
  const settled = yield* IikoCreation.settleDelivery(created.info, { interval: "1 second" })
  return {
    organization: organization.name,
    terminalGroups: terminals.length,
    menuItems: items.length,
    orderId,
    command: command?.state ?? "not needed (recovered by id)",
    creationStatus: settled.creationStatus,
    number: settled.order?.number,
    sum: settled.order?.sum
  }
})

const credentialVariables = ["IIKO_APP_ID", "IIKO_CLIENT_SECRET", "IIKO_API_KEY", "IIKO_API_LOGIN"]
const hasCredentials = credentialVariables.some((name) => (process.env[name] ?? "") !== "")

/** iiko Cloud when credentials are set, else the emulator in memory. */
const IikoLive = hasCredentials
  ? IikoClient.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))
  : Layer.unwrap(Effect.gen(function*() {
    const emulator = yield* IikoEmulator.IikoEmulator
    return IikoClient.layer({
      baseUrl: emulator.baseUrl,
      credentials: IikoConfig.v2({ appId: "demo-app", clientSecret: "demo-secret", apiKey: "demo-key" })
    })
  })).pipe(Layer.provide(IikoEmulator.layer({ seed: 1, creationDelay: "1500 millis" })))

const baseUrl = process.env["IIKO_BASE_URL"] || IikoConfig.RU_BASE_URL
const loopback = /^https?:\/\/(localhost|127\.[\d.]+|\[::1\])(:\d+)?(\/|$)/.test(baseUrl)
const target = !hasCredentials
  ? "the embedded emulator (no IIKO_* credentials set)"
  : loopback
  ? `a local iiko API at ${baseUrl} (loopback, not iiko Cloud)`
  : `iiko Cloud at ${baseUrl}`

if (!hasCredentials && (process.env["IIKO_BASE_URL"] ?? "") !== "") {
  // Running on the emulator instead would pass its fake data off as that server's.
  process.stderr.write(
    `Quickstart: IIKO_BASE_URL is set (${baseUrl}) but no IIKO_* credentials are; set IIKO_API_LOGIN ` +
      "(or IIKO_APP_ID, IIKO_CLIENT_SECRET and IIKO_API_KEY), or unset IIKO_BASE_URL to use the embedded emulator\n"
  )
  process.exit(2)
}

Effect.runPromise(program.pipe(Effect.provide(IikoLive))).then(
  (summary) => {
    process.stdout.write(`\nQuickstart against ${target}\n`)
    for (const [key, value] of Object.entries(summary)) process.stdout.write(`  ${key.padEnd(16)} ${value}\n`)
  },
  (error: unknown) => {
    process.stderr.write(`Quickstart failed: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  }
)
