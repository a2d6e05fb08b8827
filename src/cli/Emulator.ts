/**
 * `effect-iiko emulator`: serves the iiko Cloud emulator on 127.0.0.1 until interrupted, for
 * clients in any language, with its control endpoint under `/_emulator` (faults, reset,
 * request log; see the README).
 *
 * @since 0.1.0
 */
import { Console, Duration, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as IikoEmulator from "../testing/IikoEmulator.ts"
import * as CliFailure from "./CliFailure.ts"

const duration = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)

/**
 * Parses an optional duration flag ("2 seconds", "500 millis"), failing with a usage error.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseDuration = (flag: string, value: Option.Option<string>) =>
  Option.match(value, {
    onNone: () => Effect.succeed(undefined),
    onSome: (text) =>
      Option.match(Duration.fromInput(text as Duration.Input), {
        onNone: () => Effect.fail(CliFailure.usage(`--${flag} ${text}: expected a duration such as "2 seconds"`)),
        onSome: (parsed) => Effect.succeed(parsed)
      })
  })

/**
 * Parses repeated `--fault kind[:operation,…][@probability]` values into fault rules.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseFaults = (texts: ReadonlyArray<string>) =>
  Effect.forEach(texts, (text) => {
    const spec = IikoEmulator.Control.parseFaultSpec(text)
    if (typeof spec === "string") return Effect.fail(CliFailure.usage(`--fault ${spec}`))
    const unknown = IikoEmulator.Control.unknownOperations(spec.operations ?? [])
    return unknown === undefined
      ? Effect.succeed(IikoEmulator.Control.toRule(spec))
      : Effect.fail(CliFailure.usage(`--fault ${text}: ${unknown}`))
  })

const TRAFFIC_KEYS = {
  orders: "ordersPerHour",
  status: "statusChangesPerHour",
  stoplists: "stopListChangesPerHour",
  menus: "menuChangesPerHour"
} as const

/**
 * Parses `--traffic orders=60,status=120,stoplists=12,menus=1` (events per organization per hour).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseTraffic = (text: string): Effect.Effect<IikoEmulator.Traffic.Options, CliFailure.CliFailure> =>
  Effect.forEach(text.split(","), (part) => {
    const [key, value] = part.split("=")
    const option = TRAFFIC_KEYS[key as keyof typeof TRAFFIC_KEYS]
    return option === undefined || value === undefined || !Number.isFinite(Number(value))
      ? Effect.fail(CliFailure.usage(`--traffic ${text}: expected key=perHour,… with keys ${Object.keys(TRAFFIC_KEYS).join(", ")}`))
      : Effect.succeed([option, Number(value)] as const)
  }).pipe(Effect.map((entries) => Object.fromEntries(entries)))

/**
 * Parses repeated `--limit "Group name=requests/seconds"` values into restriction-group limits.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseLimits = (texts: ReadonlyArray<string>) =>
  Effect.forEach(texts, (text) => {
    const match = /^(.+)=(\d+)\/([\d.]+)$/.exec(text)
    if (match === null) return Effect.fail(CliFailure.usage(`--limit ${text}: expected "Group name=requests/seconds"`))
    const unknown = IikoEmulator.Control.unknownGroup(match[1]!)
    return unknown === undefined
      ? Effect.succeed([match[1]!, { requests: Number(match[2]), window: `${Number(match[3]) * 1000} millis` }] as const)
      : Effect.fail(CliFailure.usage(`--limit ${text}: ${unknown}`))
  }).pipe(Effect.map((entries): IikoEmulator.Options["limits"] => ({ ...IikoEmulator.Limits.published, groups: Object.fromEntries(entries) })))

const isPositive = (n: number) => n >= 1

/**
 * The `emulator` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "emulator",
  {
    port: Flag.Int("port").pipe(
      Flag.withDescription("Port on 127.0.0.1 (0 picks a free one)"),
      Flag.filter((port) => port >= 0 && port <= 65535, (port) => `--port ${port} is not a port: use 1-65535, or 0 for a free one`),
      Flag.withDefault(8787)
    ),
    seed: Flag.String("seed").pipe(Flag.withDescription("Seed of the world and of fault dice"), Flag.withDefault("1")),
    organizations: Flag.Int("organizations").pipe(
      Flag.withDescription("How many organizations to seed"),
      Flag.filter(isPositive, (n) => `--organizations ${n}: the emulator needs at least 1 organization`),
      Flag.optional
    ),
    products: Flag.Int("products").pipe(
      Flag.withDescription("Products per menu"),
      Flag.filter(isPositive, (n) => `--products ${n}: a menu needs at least 1 product`),
      Flag.optional
    ),
    creationDelay: duration("creation-delay", "How long a created order stays InProgress (default 2 seconds)"),
    tokenLifetime: duration("token-lifetime", "Lifetime of issued tokens (default 1 hour)"),
    fault: Flag.String("fault").pipe(
      Flag.withDescription(
        `Inject a fault: kind[:operation,…][@probability], kind one of ${IikoEmulator.Control.faultKinds.join(", ")}; repeatable`
      ),
      Flag.atLeast(0)
    ),
    traffic: Flag.String("traffic").pipe(
      Flag.withDescription(
        "Restaurant life for a sync to follow: orders=60,status=120,stoplists=12,menus=1 (events per organization per hour; any subset)"
      ),
      Flag.optional
    ),
    limit: Flag.String("limit").pipe(
      Flag.withDescription("Add a restriction-group limit: \"Group name=requests/seconds\"; repeatable (iiko's published limits always apply)"),
      Flag.atLeast(0)
    ),
    limits: Flag.Boolean("limits").pipe(
      Flag.withDescription("Enforce rate limits; --no-limits drops every limit"),
      Flag.withDefault(true)
    )
  },
  (flags) =>
    Effect.gen(function*() {
      const faults = yield* parseFaults(flags.fault)
      const creationDelay = yield* parseDuration("creation-delay", flags.creationDelay)
      const tokenLifetime = yield* parseDuration("token-lifetime", flags.tokenLifetime)
      const traffic = Option.isNone(flags.traffic) ? undefined : yield* parseTraffic(flags.traffic.value)
      const limits = flags.limits ? yield* parseLimits(flags.limit) : false
      const server = IikoEmulator.layerServer({
        port: flags.port,
        seed: flags.seed,
        sizes: {
          ...Option.match(flags.organizations, { onNone: () => ({}), onSome: (organizations) => ({ organizations }) }),
          ...Option.match(flags.products, { onNone: () => ({}), onSome: (products) => ({ products }) })
        },
        creationDelay,
        tokenLifetime,
        faults,
        limits,
        ...(traffic === undefined ? {} : { traffic })
      })
      yield* Effect.gen(function*() {
        const emulator = yield* IikoEmulator.IikoEmulator
        const state = yield* emulator.state
        yield* Console.log(`iiko Cloud emulator listening on ${emulator.baseUrl}`)
        yield* Console.log(`  ${state.organizations.length} organizations, seed ${String(state.seed)}`)
        yield* Console.log(`  control: ${emulator.baseUrl}/_emulator (faults, reset, requests)`)
        yield* Console.log(
          `  try: curl -s -X POST ${emulator.baseUrl}/api/1/access_token -H 'content-type: application/json' -d '{"apiLogin":"any"}'`
        )
        return yield* Effect.never
      }).pipe(
        Effect.provide(server),
        Effect.catchTag("ServeError", (error) => Effect.fail(CliFailure.failed(`cannot listen on port ${flags.port}: ${error.message}`)))
      )
    })
).pipe(
  Command.withDescription(
    "Serve the iiko Cloud emulator on 127.0.0.1 for clients in any language, with a control endpoint at /_emulator"
  )
)

